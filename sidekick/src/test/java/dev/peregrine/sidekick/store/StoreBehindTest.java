package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.dashboard.DashboardPort;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A running sidekick whose store writer is held back: intake keeps answering 200 and the webhook
 * output gets every alert, while the store's queue stops at peregrine.ui.store.queue-bytes and
 * what does not fit is counted (metric and /api/store), not lost silently.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StoreBehindTest {
    static final Path spool = TempDirs.create("store-behind");
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final long QUEUE_BYTES = 16 * 1024;

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
        r.add("peregrine.outputs.hook.type", () -> "webhook");
        r.add("peregrine.outputs.hook.url", webhook::uri);
        r.add("peregrine.ui.store.queue-bytes", () -> QUEUE_BYTES + "B");
    }

    @AfterAll
    static void clean() {
        webhook.close();
        TempDirs.delete(spool);
    }

    static void post(Http intake, Alert alert) {
        assertThat(intake.post("/", new String(AlertJson.write(alert), StandardCharsets.UTF_8))
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void aStoreThatFallsBehindNeitherHoldsUpIntakeNorDeliveryAndCountsWhatItLeavesOut() {
        Http intake = Http.local(intakePort);
        Http ui = Users.asAdmin(Http.local(dashboardPort.port()));
        Instant now = Instant.now();
        List<Alert> alerts = GeneratedAlerts.generate(21, 120, now, Duration.ofMillis(10));
        CountDownLatch writerHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        // the writer thread calls this after its first batch, and waits there: the store is behind
        recorder.onStored(batch -> {
            if (first.getAndSet(false)) {
                writerHeld.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        long leftOut;
        try {
            post(intake, alerts.getFirst());
            await().atMost(Duration.ofSeconds(30)).until(() -> writerHeld.getCount() == 0);
            alerts.subList(1, alerts.size()).forEach(a -> post(intake, a));

            // delivery has every alert although the store waits
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> webhook.requests().size() >= alerts.size());
            Set<String> delivered = webhook.requests().stream()
                    .map(r -> Http.JSON.readTree(r.body()).get("uuid").stringValue())
                    .collect(Collectors.toSet());
            assertThat(delivered)
                    .containsExactlyInAnyOrderElementsOf(
                            alerts.stream().map(Alert::uuid).toList());

            JsonNode status = ui.json("/api/store");
            long queued = status.get("queued").asLong();
            leftOut = status.get("leftOut").get("queue_bytes").asLong();
            assertThat(queued).isPositive();
            assertThat(leftOut).isPositive();
            assertThat(queued + leftOut).isEqualTo(alerts.size() - 1);
            assertThat(status.get("queuedBytes").asLong()).isPositive().isLessThanOrEqualTo(QUEUE_BYTES);
            assertThat(status.get("queueLimitBytes").asLong()).isEqualTo(QUEUE_BYTES);
            assertThat(status.get("leftOut").get("queue_alerts").asLong()).isZero();
            assertThat(status.get("leftOutSettings").get("queue_bytes").stringValue())
                    .isEqualTo("peregrine.ui.store.queue-bytes");
            assertThat(status.get("leftOutSettings").get("queue_alerts").stringValue())
                    .isEqualTo("peregrine.ui.store.queue");
            assertThat(status.get("leftOutSettings").has("failed")).isFalse();
            String metrics = intake.get("/actuator/prometheus").body();
            assertThat(StoreRetentionTest.metric(metrics, "peregrine_store_dropped_total{reason=\"queue_bytes\"}"))
                    .isEqualTo(leftOut);
            assertThat(StoreRetentionTest.metric(metrics, "peregrine_store_queue_bytes"))
                    .isEqualTo(status.get("queuedBytes").asLong());
        } finally {
            release.countDown();
        }
        // caught up: what waited is stored, what was left out is not, nothing else is missing
        long stored = alerts.size() - leftOut;
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ui.json("/api/alerts?limit=1").get("total").asLong() == stored);
        assertThat(recorder.backlog()).isZero();
        assertThat(recorder.backlogBytes()).isZero();
    }
}
