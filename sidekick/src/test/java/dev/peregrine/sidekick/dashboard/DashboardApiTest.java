package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard's own API over alerts posted to the intake: every filter, cursor paging, counts,
 * the histogram and summary, one alert's delivery per output, and each output's health; three
 * real webhook outputs that take, fail and refuse alerts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardApiTest {
    static final RecordingHttpServer taking = new RecordingHttpServer();
    static final RecordingHttpServer failing = new RecordingHttpServer();
    static final RecordingHttpServer refusing = new RecordingHttpServer();
    static final Path spool = TempDirs.create("dashboard-api");

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    Http ui;
    List<Alert> sent;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", taking::uri);
        r.add("peregrine.outputs.pager.type", () -> "webhook");
        r.add("peregrine.outputs.pager.url", failing::uri);
        r.add("peregrine.outputs.pager.minimum-priority", () -> "critical");
        r.add("peregrine.outputs.pager.retry.max-backoff", () -> "200ms");
        r.add("peregrine.outputs.archive.type", () -> "webhook");
        r.add("peregrine.outputs.archive.url", refusing::uri);
        r.add("peregrine.outputs.archive.rules", () -> GeneratedAlerts.RULES.get(0));
    }

    @BeforeAll
    void postAlerts() {
        failing.answer(503);
        refusing.answer(400);
        ui = Users.asAdmin(Http.local(dashboardPort.port()));
        Http intake = Http.local(intakePort);
        sent = GeneratedAlerts.generate(2, 120, Instant.now().minus(Duration.ofSeconds(90)), Duration.ofMinutes(7));
        for (Alert a : sent) {
            assertThat(intake.post("/", new String(AlertJson.write(a), StandardCharsets.UTF_8))
                            .statusCode())
                    .isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ui.json("/api/alerts?limit=1").get("total").asLong() == sent.size());
    }

    @AfterAll
    void stop() {
        taking.close();
        failing.close();
        refusing.close();
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    List<String> expected(Predicate<Alert> filter) {
        return sent.stream()
                .filter(filter)
                .sorted(Comparator.comparing(Alert::time).reversed())
                .map(Alert::uuid)
                .toList();
    }

    List<String> uuids(String query) {
        List<String> out = new ArrayList<>();
        ui.json("/api/alerts?limit=1000&" + query)
                .get("alerts")
                .forEach(a -> out.add(a.get("alert").get("uuid").stringValue()));
        return out;
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void everyFilterOfTheRicherApi() {
        assertThat(uuids("image=" + q("docker.io/library/nginx")))
                .isNotEmpty()
                .isEqualTo(
                        expected(a -> a.fieldText("container.image.repository").equals("docker.io/library/nginx")));
        assertThat(uuids("namespace=shop&namespace=monitoring"))
                .isEqualTo(expected(a -> List.of("shop", "monitoring").contains(a.fieldText("k8s.ns.name"))));
        assertThat(uuids("pod=shop-pod-1"))
                .isEqualTo(expected(a -> a.fieldText("k8s.pod.name").equals("shop-pod-1")));
        assertThat(uuids("container=c-bash"))
                .isEqualTo(expected(a -> a.fieldText("container.name").equals("c-bash")));
        assertThat(uuids("container=host"))
                .isEqualTo(expected(a -> a.fieldText("container.name").equals("host")));
        assertThat(uuids("min_priority=error"))
                .isEqualTo(expected(a -> a.priority().atLeast(Priority.ERROR)));
        assertThat(uuids("min_priority=warning&priority=Error&priority=Debug"))
                .isEqualTo(expected(a -> a.priority() == Priority.ERROR));
        // repeated parameters are values as they are: a rule name may hold a comma
        assertThat(uuids("rule=" + q(GeneratedAlerts.RULES.get(1)) + "&rule=" + q(GeneratedAlerts.RULES.get(3))))
                .isEqualTo(expected(a -> a.rule().equals(GeneratedAlerts.RULES.get(1))
                        || a.rule().equals(GeneratedAlerts.RULES.get(3))));
        assertThat(uuids("tags=filesystem&hostname=node-b"))
                .isEqualTo(expected(
                        a -> a.tags().contains("filesystem") && a.hostname().equals("node-b")));
        assertThat(uuids("q=" + q("cron python3")))
                .isEqualTo(expected(a -> a.fieldText("fd.name").contains("cron")
                        && a.fieldText("proc.name").equals("python3")));
        Instant from = sent.get(30).time();
        Instant until = sent.get(60).time();
        assertThat(uuids("from=" + from + "&until=" + until))
                .hasSize(30)
                .isEqualTo(expected(a -> !a.time().isBefore(from) && a.time().isBefore(until)));
        assertThat(uuids("from=" + from.toEpochMilli()))
                .isEqualTo(expected(a -> !a.time().isBefore(from)));
        assertThat(uuids("muted=true")).isEmpty();
        assertThat(ui.get("/api/alerts?priority=loud").statusCode()).isEqualTo(400);
        assertThat(ui.get("/api/alerts?from=yesterday").body()).contains("from");
    }

    @Test
    void cursorPagesWalkEveryMatchOnceAndReportTheTotal() {
        String filter = "hostname=node-a&hostname=bastion-01";
        List<String> want = expected(a -> List.of("node-a", "bastion-01").contains(a.hostname()));
        List<String> got = new ArrayList<>();
        String cursor = null;
        for (int i = 0; i < 50; i++) {
            JsonNode page = ui.json("/api/alerts?limit=7&" + filter + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.get("total").asLong()).isEqualTo(want.size());
            page.get("alerts").forEach(a -> got.add(a.get("alert").get("uuid").stringValue()));
            JsonNode next = page.get("nextCursor");
            if (next == null || next.isNull()) {
                break;
            }
            cursor = next.stringValue();
        }
        assertThat(got).isEqualTo(want);
        assertThat(ui.json("/api/alerts?limit=5&total=false").has("total")).isFalse();
        assertThat(ui.get("/api/alerts?cursor=bogus").statusCode()).isEqualTo(400);
    }

    @Test
    void countsByAnyDimensionMostFrequentFirst() {
        for (String by : List.of("container", "image", "namespace", "pod", "rule")) {
            JsonNode counts = ui.json("/api/alerts/counts?top=100&by=" + by).get("counts");
            Map<String, Long> want = new HashMap<>();
            for (Alert a : sent) {
                String v = switch (by) {
                    case "container" -> a.fieldText("container.name");
                    case "image" -> a.fieldText("container.image.repository");
                    case "namespace" -> a.fieldText("k8s.ns.name");
                    case "pod" -> a.fieldText("k8s.pod.name");
                    default -> a.rule();
                };
                if (!v.isEmpty() && !v.equals("<NA>")) {
                    want.merge(v, 1L, Long::sum);
                }
            }
            Map<String, Long> got = new HashMap<>();
            List<Long> order = new ArrayList<>();
            counts.properties().forEach(e -> {
                got.put(e.getKey(), e.getValue().asLong());
                order.add(e.getValue().asLong());
            });
            assertThat(got).as(by).isEqualTo(want);
            assertThat(order).isSortedAccordingTo(Comparator.reverseOrder());
        }
        assertThat(ui.json("/api/alerts/counts?by=rule&top=2").get("counts").size())
                .isEqualTo(2);
        assertThat(ui.get("/api/alerts/counts?by=colour").statusCode()).isEqualTo(400);
    }

    @Test
    void histogramAndSummaryAddUp() {
        JsonNode h = ui.json("/api/alerts/histogram?since=6h&bucket=30min");
        assertThat(h.get("bucketSeconds").asLong()).isEqualTo(1800);
        long sum = 0;
        for (JsonNode bar : h.get("bars")) {
            sum += bar.get("count").asLong();
        }
        Instant sixHours = Instant.now().minus(Duration.ofHours(6));
        assertThat(sum)
                .isEqualTo(sent.stream().filter(a -> a.time().isAfter(sixHours)).count());

        JsonNode s = ui.json("/api/alerts/summary");
        Instant hour = Instant.now().minus(Duration.ofHours(1));
        Instant day = Instant.now().minus(Duration.ofDays(1));
        assertThat(s.get("lastHour").get("total").asLong())
                .isEqualTo(sent.stream().filter(a -> a.time().isAfter(hour)).count());
        assertThat(s.get("lastDay").get("total").asLong())
                .isEqualTo(sent.stream().filter(a -> a.time().isAfter(day)).count());
        long warnings = sent.stream()
                .filter(a -> a.time().isAfter(day) && a.priority() == Priority.WARNING)
                .count();
        assertThat(s.get("lastDay").get("byPriority").get("Warning").asLong()).isEqualTo(warnings);
    }

    @Test
    void oneAlertShowsItsDeliveryPerOutput() {
        Alert critical = sent.stream()
                .filter(a -> a.priority().atLeast(Priority.CRITICAL) && a.rule().equals(GeneratedAlerts.RULES.get(0)))
                .findFirst()
                .orElseThrow();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode d = ui.json("/api/alerts/" + critical.uuid());
            assertThat(d.get("alert").get("output").stringValue()).isEqualTo(critical.output());
            JsonNode delivery = d.get("delivery");
            assertThat(delivery.get("siem").stringValue()).isEqualTo("delivered");
            assertThat(delivery.get("pager").stringValue()).isEqualTo("waiting");
            assertThat(delivery.get("archive").stringValue()).startsWith("dead: ");
        });
        Alert notice = sent.stream()
                .filter(a -> a.priority() == Priority.NOTICE && !a.rule().equals(GeneratedAlerts.RULES.get(0)))
                .findFirst()
                .orElseThrow();
        JsonNode d = ui.json("/api/alerts/" + notice.uuid());
        assertThat(d.get("outputs")).hasSize(1);
        assertThat(d.get("delivery").has("pager")).isFalse();
        assertThat(ui.get("/api/alerts/00000000-0000-0000-0000-000000000000").statusCode())
                .isEqualTo(404);
    }

    @Test
    void outputsReportTheirHealth() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, JsonNode> byName = new HashMap<>();
            ui.json("/api/outputs").forEach(o -> byName.put(o.get("name").stringValue(), o));
            JsonNode siem = byName.get("siem");
            assertThat(siem.get("delivered").asLong()).isEqualTo(sent.size());
            assertThat(siem.get("waiting").asLong()).isZero();
            assertThat(siem.get("circuit").stringValue()).isEqualTo("CLOSED");
            JsonNode pager = byName.get("pager");
            long critical = sent.stream()
                    .filter(a -> a.priority().atLeast(Priority.CRITICAL))
                    .count();
            assertThat(pager.get("waiting").asLong()).isEqualTo(critical);
            assertThat(pager.get("failed").asLong()).isPositive();
            assertThat(pager.get("retried").asLong()).isPositive();
            assertThat(pager.get("lastError").stringValue()).contains("503");
            assertThat(Instant.parse(pager.get("oldestWaiting").stringValue())).isBefore(Instant.now());
            JsonNode archive = byName.get("archive");
            assertThat(archive.get("dead").asLong())
                    .isEqualTo(sent.stream()
                            .filter(a -> a.rule().equals(GeneratedAlerts.RULES.get(0)))
                            .count());
            assertThat(archive.get("lastError").stringValue()).contains("400");
        });
    }

    @Test
    void storeDescribesItself() {
        JsonNode s = ui.json("/api/store");
        assertThat(s.get("type").stringValue()).isEqualTo("sqlite");
        assertThat(s.get("location").stringValue()).endsWith("alerts.db");
        assertThat(s.get("usedBytes").asLong()).isPositive();
        // the store keeps Falco's nanoseconds in the alert, microseconds in its time index
        assertThat(Instant.parse(s.get("oldest").stringValue()))
                .isEqualTo(sent.getFirst().time().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }
}
