package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The dashboard on its own port: what each port serves, the page and its headers, its base under
 * a proxy's prefix, and the live feed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardPortsTest {
    static final Path spool = TempDirs.create("dashboard-ports");

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    Http ui;
    Http intake;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
    }

    @BeforeEach
    void clients() {
        ui = Users.asAdmin(Http.local(dashboardPort.port()));
        intake = Http.local(intakePort);
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    static String alert() {
        return new String(
                AlertJson.write(GeneratedAlerts.generate(System.nanoTime(), 1, Instant.now(), Duration.ZERO)
                        .getFirst()),
                StandardCharsets.UTF_8);
    }

    @Test
    void eachPortServesOnlyItsOwnRoutes() {
        assertThat(dashboardPort.separate()).isTrue();
        assertThat(dashboardPort.port()).isNotEqualTo(intakePort);
        // the dashboard's routes are not on the intake's port
        for (String path : List.of("/", "/outputs", "/api/alerts", "/api/v1/events/search", "/assets/x.js")) {
            assertThat(intake.get(path).statusCode()).as(path).isEqualTo(404);
        }
        // the intake's routes are not on the dashboard's
        assertThat(ui.post("/", alert()).statusCode()).isEqualTo(404);
        for (String path : List.of("/ping", "/healthz", "/metrics", "/actuator/health")) {
            assertThat(ui.get(path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(intake.post("/", alert()).statusCode()).isEqualTo(200);
        assertThat(intake.get("/ping").body()).isEqualTo("pong\n");
        assertThat(ui.get("/api/v1/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void thePageComesWithItsBaseAndAStrictPolicy() {
        for (String view : List.of("/", "/outputs", "/detectors", "/mutes")) {
            HttpResponse<String> page = ui.get(view);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<base href=\"/\">").contains("<div id=\"app\">");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'self'")
                    .contains("script-src 'self'")
                    .doesNotContain("unsafe");
        }
        Matcher script = Pattern.compile("src=\"(assets/[^\"]+\\.js)\"")
                .matcher(ui.get("/").body());
        assertThat(script.find()).isTrue();
        HttpResponse<String> bundle = ui.get("/" + script.group(1));
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Cache-Control").orElseThrow()).contains("immutable");
        assertThat(bundle.body()).contains("api/alerts/live"); // the bundle, not an error page
    }

    @Test
    void behindAProxyThePrefixBecomesTheBase() {
        HttpResponse<String> page = ui.send(ui.request("/mutes").header("X-Forwarded-Prefix", "/security/peregrine"));
        assertThat(page.body()).contains("<base href=\"/security/peregrine/\">");
        // the intake never takes the header into account (nor needs to)
        assertThat(intake.send(intake.request("/ping").header("X-Forwarded-Prefix", "/x"))
                        .body())
                .isEqualTo("pong\n");
    }

    @Test
    void newAlertsReachAnOpenPageAsServerSentEvents() throws Exception {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        CompletableFuture<HttpResponse<Stream<String>>> stream = HttpClient.newHttpClient()
                .sendAsync(ui.request("/api/alerts/live").GET().build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = stream.get();
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        Thread reader = Thread.ofVirtual().start(() -> response.body().forEach(lines::add));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains(":live"));
            String json = alert();
            String uuid = Http.JSON.readTree(json).get("uuid").stringValue();
            assertThat(intake.post("/", json).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> lines.stream().anyMatch(l -> l.startsWith("data:") && l.contains(uuid)));
            assertThat(lines).contains("event:alert");
        } finally {
            response.body().close();
            reader.interrupt();
        }
    }
}
