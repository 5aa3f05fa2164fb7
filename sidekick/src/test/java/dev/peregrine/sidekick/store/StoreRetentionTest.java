package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.dashboard.DashboardPort;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * peregrine.ui.retention as configured, in a running sidekick: old alerts go by age, then the
 * oldest go while the store is over its size, and the store's metrics say so.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StoreRetentionTest {
    static final Path spool = TempDirs.create("retention");
    static final long MAX_SIZE = 1024 * 1024;

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.ui.retention.max-age", () -> "1d");
        r.add("peregrine.ui.retention.max-size", () -> MAX_SIZE + "B");
        r.add("peregrine.ui.retention.check-every", () -> "1s");
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    static double metric(String prometheus, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$")
                .matcher(prometheus);
        if (!m.find()) {
            throw new AssertionError(name + " not in the metrics");
        }
        return Double.parseDouble(m.group(2));
    }

    void post(Http intake, List<Alert> alerts) {
        IntStream.range(0, alerts.size())
                .parallel()
                .forEach(i -> assertThat(
                                intake.post("/", new String(AlertJson.write(alerts.get(i)), StandardCharsets.UTF_8))
                                        .statusCode())
                        .isEqualTo(200));
    }

    @Test
    void oldAlertsGoByAgeAndTheOldestWhileOverTheSize() {
        Http intake = Http.local(intakePort);
        Http ui = Users.asAdmin(Http.local(dashboardPort.port()));
        Instant now = Instant.now();
        post(intake, GeneratedAlerts.generate(11, 40, now.minus(Duration.ofDays(2)), Duration.ofMinutes(10)));
        List<Alert> recent = GeneratedAlerts.generate(12, 30, now, Duration.ofMinutes(1));
        post(intake, recent);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ui.json("/api/alerts?limit=1").get("total").asLong() == recent.size());
        assertThat(metric(intake.get("/actuator/prometheus").body(), "peregrine_store_deleted_total{reason=\"age\"}"))
                .isEqualTo(40);
        assertThat(Instant.parse(ui.json("/api/store").get("oldest").stringValue()))
                .isAfter(now.minus(Duration.ofDays(1)));

        // several megabytes of recent alerts: the oldest go until the store is under its size
        List<Alert> many = GeneratedAlerts.generate(13, 3000, now.plusSeconds(60), Duration.ofMillis(100));
        post(intake, many);
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            String metrics = intake.get("/actuator/prometheus").body();
            assertThat(metric(metrics, "peregrine_store_written_total")).isEqualTo(3070);
            assertThat(metric(metrics, "peregrine_store_deleted_total{reason=\"size\"}"))
                    .isPositive();
            assertThat(metric(metrics, "peregrine_store_size_bytes")).isLessThanOrEqualTo(MAX_SIZE);
        });
        long kept = ui.json("/api/alerts?limit=1").get("total").asLong();
        assertThat(kept).isLessThan(3000).isPositive();
        // the newest are the ones kept
        String newest = ui.json("/api/alerts?limit=1")
                .get("alerts")
                .get(0)
                .get("alert")
                .get("uuid")
                .stringValue();
        assertThat(newest).isEqualTo(many.getLast().uuid());
        assertThat(ui.get("/api/alerts/" + many.getFirst().uuid()).statusCode()).isEqualTo(404);
        String metrics = intake.get("/actuator/prometheus").body();
        assertThat(metric(metrics, "peregrine_store_alerts")).isEqualTo(kept);
        assertThat(metric(metrics, "peregrine_store_oldest_age_seconds")).isPositive();
        assertThat(metric(metrics, "peregrine_store_queue")).isZero();
        assertThat(metric(metrics, "peregrine_store_dropped_total")).isZero();
    }
}
