package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.store.AlertRecorder;
import dev.peregrine.sidekick.testing.Browser;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The dashboard in a real headless Chromium: the login form (a wrong password, then the right
 * one, and the log-out at the end), a new alert posted to the intake appears without a
 * reload, filters go into the URL, the detail view shows the alert, muting it holds the next one
 * back (counted on the Mutes page), the charts draw, and alerts the store left out (its writer held
 * while its queue of {@value #QUEUE} fills) are shown as a warning with the setting to raise.
 * Screenshots go to target/browser-screenshots.
 */
@Needs(Need.CHROMIUM)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardBrowserTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final Path spool = TempDirs.create("browser");
    /** The store's queue: the test never has more alerts waiting for it until it holds the writer. */
    static final int QUEUE = 3;

    @TempDir
    Path profile;

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    @Autowired
    AlertRecorder recorder;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("peregrine.ui.store.queue", () -> Integer.toString(QUEUE));
    }

    @AfterAll
    static void clean() {
        webhook.close();
        TempDirs.delete(spool);
    }

    /** Sample {@code i} as a new alert that happened now. */
    static Alert sample(int i) {
        Alert a = SampleAlerts.alert(i);
        return new Alert(
                a.uuid(),
                Instant.now(),
                a.rule(),
                a.priority(),
                a.source(),
                a.output(),
                a.outputFields(),
                a.tags(),
                a.hostname(),
                a.message(),
                a.origin());
    }

    void post(Alert a) {
        assertThat(Http.local(intakePort)
                        .post("/", new String(AlertJson.write(a), StandardCharsets.UTF_8))
                        .statusCode())
                .isEqualTo(200);
    }

    static By row(String uuid) {
        return By.cssSelector("tr[data-uuid='" + uuid + "']");
    }

    /**
     * The writer held after its next batch (as StoreBehindTest holds it): of the alerts posted then,
     * {@value #QUEUE} wait in the queue and the rest are left out, delivered all the same. The page
     * warns above the alerts and shows the reason and its setting with the store's state.
     */
    void storeLeavesAlertsOut(WebDriver driver, WebDriverWait wait, String ui, Browser browser) {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        recorder.onStored(batch -> {
            if (first.getAndSet(false)) {
                held.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        int leftOut = 2;
        try {
            post(sample(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> held.getCount() == 0);
            for (int i = 0; i < QUEUE + leftOut; i++) {
                post(sample(2));
            }
            driver.get(ui + "/");
            WebElement banner = wait.until(
                    ExpectedConditions.presenceOfElementLocated(By.cssSelector("p.store-warning[data-left-out]")));
            assertThat(banner.getDomAttribute("data-left-out")).isEqualTo(Integer.toString(leftOut));
            assertThat(banner.getText()).contains(QUEUE + " waiting to be written");
            browser.screenshot("6-store-left-out");
            banner.findElement(By.tagName("a")).click();
            WebElement store =
                    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("section.store.warn")));
            assertThat(store.getDomAttribute("data-left-out")).isEqualTo(Integer.toString(leftOut));
            WebElement reason = store.findElement(By.cssSelector("li[data-reason='queue_alerts']"));
            assertThat(reason.getDomAttribute("data-count")).isEqualTo(Integer.toString(leftOut));
            assertThat(reason.getText()).contains("peregrine.ui.store.queue").contains("now " + QUEUE);
            assertThat(store.findElement(By.cssSelector("tr[data-queued]")).getDomAttribute("data-queued"))
                    .isEqualTo(Integer.toString(QUEUE));
            browser.screenshot("7-store-status");
        } finally {
            release.countDown();
        }
    }

    @Test
    void theAlertFlowInARealBrowser() {
        String ui = "http://127.0.0.1:" + dashboardPort.port();
        for (int i = 1; i < 4; i++) {
            post(sample(i));
        }
        try (Browser browser = new Browser(profile)) {
            var driver = browser.driver();
            var wait = browser.waiting();
            // not logged in: the page sends to the login form, and after it back
            driver.get(ui + "/");
            wait.until(ExpectedConditions.urlContains("/login"));
            driver.findElement(By.name("username")).sendKeys(Users.ADMIN);
            driver.findElement(By.name("password")).sendKeys("not the password");
            driver.findElement(By.cssSelector("button[type='submit']")).click();
            wait.until(ExpectedConditions.urlContains("/login?error"));
            browser.screenshot("0-login");
            driver.findElement(By.name("username")).sendKeys(Users.ADMIN);
            driver.findElement(By.name("password")).sendKeys(Users.ADMIN_PASSWORD);
            driver.findElement(By.cssSelector("button[type='submit']")).click();
            wait.until(ExpectedConditions.attributeToBe(By.cssSelector("[data-live]"), "data-live", "up"));
            assertThat(driver.findElement(By.cssSelector("span.user")).getText())
                    .isEqualTo(Users.ADMIN);

            // a new alert appears without a reload
            Alert shell = sample(0);
            post(shell);
            wait.until(ExpectedConditions.presenceOfElementLocated(row(shell.uuid())));
            browser.screenshot("1-live-alert");

            // filter by priority, then by rule: both go into the URL, only matching rows remain
            driver.findElement(By.cssSelector("button[data-priority='Notice']")).click();
            wait.until(ExpectedConditions.urlContains("priority=Notice"));
            wait.until(d -> d.findElements(By.cssSelector("tbody tr")).stream()
                    .allMatch(r -> "Notice".equals(r.getDomAttribute("data-priority"))));
            Select rules = new Select(driver.findElement(By.cssSelector("select[name='rule']")));
            wait.until(
                    d -> rules.getOptions().stream().anyMatch(o -> o.getText().startsWith(shell.rule())));
            rules.selectByValue(shell.rule());
            wait.until(ExpectedConditions.urlContains("rule="));
            List<WebElement> rows = wait.until(d -> {
                List<WebElement> r = d.findElements(By.cssSelector("tbody tr"));
                return r.stream().allMatch(e -> shell.rule().equals(e.getDomAttribute("data-rule"))) ? r : null;
            });
            assertThat(rows).isNotEmpty();
            // the view can be shared: the same URL in a fresh load shows the same filters
            String shared = driver.getCurrentUrl();
            driver.get(shared);
            wait.until(ExpectedConditions.presenceOfElementLocated(row(shell.uuid())));
            assertThat(driver.findElement(By.cssSelector("button[data-priority='Notice']"))
                            .getDomAttribute("class"))
                    .contains("on");

            // the detail view
            driver.findElement(row(shell.uuid())).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("aside.detail[data-uuid='" + shell.uuid() + "']")));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("aside.detail .fields"), "proc.name"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("aside.detail tr[data-output='siem']"), "delivered"));
            assertThat(driver.getCurrentUrl()).contains("alert=" + shell.uuid());
            browser.screenshot("2-detail");

            // mute it: rule + the suggested fields (image, process, namespace)
            driver.findElement(By.cssSelector("aside.detail button.mute")).click();
            WebElement form = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("form.mute-form")));
            assertThat(form.findElement(By.cssSelector("input[value='proc.name']"))
                            .isSelected())
                    .isTrue();
            form.findElement(By.cssSelector("input[name='comment']")).sendKeys("expected in CI");
            browser.screenshot("3-mute-form");
            form.findElement(By.cssSelector("button[type='submit']")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-muted='true']")));

            // the next identical alert is counted as muted, and not delivered
            Alert again = sample(0);
            post(again);
            wait.until(ExpectedConditions.presenceOfElementLocated(row(again.uuid())));
            assertThat(driver.findElement(row(again.uuid())).getDomAttribute("class"))
                    .contains("muted");
            driver.findElement(By.linkText("Mutes")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("td.hits"), "1"));
            assertThat(driver.findElement(By.cssSelector("table.mutes")).getText())
                    .contains(shell.rule())
                    .contains("proc.name=bash")
                    .contains("expected in CI");
            assertThat(webhook.requests()).noneMatch(r -> r.body().contains(again.uuid()));
            browser.screenshot("4-mutes");

            // the charts draw: points plotted, and pixels painted on the canvas
            driver.get(ui + "/");
            wait.until(d -> {
                String points = d.findElement(By.cssSelector("canvas[data-chart='histogram']"))
                        .getDomAttribute("data-points");
                return points != null && Integer.parseInt(points) > 0;
            });
            Object painted = driver.executeScript("const c = document.querySelector(\"canvas[data-chart='rules']\");"
                    + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                    + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i + 2] > 150 && d[i] < 100) n++;"
                    + "return n;");
            assertThat(((Number) painted).longValue()).isPositive();
            wait.until(ExpectedConditions.presenceOfElementLocated(row(again.uuid())));
            browser.screenshot("5-dashboard");

            storeLeavesAlertsOut(driver, wait, ui, browser);

            // log out: the session ends, the page is behind the login again
            driver.findElement(By.cssSelector("button.logout")).click();
            wait.until(ExpectedConditions.urlContains("/login?logout"));
            driver.get(ui + "/mutes");
            wait.until(ExpectedConditions.urlContains("/login"));
        }
    }
}
