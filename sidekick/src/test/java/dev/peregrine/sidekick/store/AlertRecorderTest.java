package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertRecorderTest {
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void everyRecordedAlertIsStoredAndAnnouncedAndNothingWaitsAfterwards() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        List<Alert> alerts = GeneratedAlerts.generate(7, 5000, NOW, Duration.ofMillis(100));
        Set<String> announced = ConcurrentHashMap.newKeySet();
        try (AlertStore store = AlertStore.sqlite(dir, 1);
                AlertRecorder recorder = recorder(store, 10_000, Long.MAX_VALUE, metrics)) {
            recorder.onStored(
                    batch -> batch.forEach(s -> announced.add(s.alert().uuid())));
            // from several threads at once, as intake calls it
            alerts.parallelStream().forEach(a -> recorder.record(AlertJson.write(a), List.of("slack"), null));
            await().atMost(Duration.ofSeconds(60)).until(() -> store.count(AlertQuery.ALL) == alerts.size());
            assertThat(announced).hasSize(alerts.size());
            assertThat(metrics.get("peregrine.store.written").counter().count()).isEqualTo(alerts.size());
            assertThat(metrics.get("peregrine.store.dropped").counters())
                    .allSatisfy(c -> assertThat(c.count()).isZero());
            assertThat(metrics.get("peregrine.store.queue.bytes").gauge().value())
                    .isZero();
            assertThat(metrics.get("peregrine.store.queue").gauge().value()).isZero();
            assertThat(metrics.get("peregrine.store.lag").gauge().value()).isZero();
            assertThat(recorder.backlog()).isZero();
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        List<Alert> alerts = GeneratedAlerts.generate(8, 3000, NOW, Duration.ofMillis(100));
        try (AlertStore store = AlertStore.sqlite(dir, 1);
                AlertRecorder recorder = recorder(store, 10, Long.MAX_VALUE, metrics)) {
            // far faster than a batch every 200 ms: most find the queue of 10 full
            alerts.forEach(a -> recorder.record(AlertJson.write(a), List.of(), null));
            double dropped = metrics.get("peregrine.store.dropped")
                    .tag("reason", "queue_alerts")
                    .counter()
                    .count();
            assertThat(dropped).isGreaterThan(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> store.count(AlertQuery.ALL) + (long) dropped == alerts.size());
        }
    }

    /**
     * The writer held back (a listener of its first batch waits), alerts recorded until their JSON
     * passes the byte bound: what fits waits, the rest is counted as left out (not the count
     * bound), and once the writer goes on exactly what waited is stored.
     */
    @Test
    void aQueueFullInBytesLeavesAlertsOutAndCountsThem() throws InterruptedException {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        List<Alert> alerts = GeneratedAlerts.generate(9, 200, NOW, Duration.ofMillis(100));
        long bound = 20 * 1024;
        CountDownLatch writerHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try (AlertStore store = AlertStore.sqlite(dir, 1);
                AlertRecorder recorder = recorder(store, 100_000, bound, metrics)) {
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
            try {
                Alert opener = alerts.getFirst();
                recorder.record(AlertJson.write(opener), List.of(), null);
                assertThat(writerHeld.await(30, TimeUnit.SECONDS)).isTrue();

                long queuedJson = 0;
                int fit = 0;
                for (Alert a : alerts.subList(1, alerts.size())) {
                    byte[] json = AlertJson.write(a);
                    recorder.record(json, List.of("webhook"), null);
                    if (queuedJson + json.length <= bound) {
                        queuedJson += json.length;
                        fit++;
                    }
                }
                int leftOut = alerts.size() - 1 - fit;
                assertThat(fit).isPositive();
                assertThat(leftOut).isPositive();
                assertThat(recorder.backlog()).isEqualTo(fit);
                assertThat(recorder.backlogBytes()).isEqualTo(queuedJson).isLessThanOrEqualTo(bound);
                assertThat(metrics.get("peregrine.store.queue.bytes").gauge().value())
                        .isEqualTo(queuedJson);
                assertThat(metrics.get("peregrine.store.dropped")
                                .tag("reason", "queue_bytes")
                                .counter()
                                .count())
                        .isEqualTo(leftOut);
                assertThat(metrics.get("peregrine.store.dropped")
                                .tag("reason", "queue_alerts")
                                .counter()
                                .count())
                        .isZero();
                assertThat(recorder.leftOut())
                        .containsEntry(AlertRecorder.LeftOut.QUEUE_BYTES, (long) leftOut)
                        .containsEntry(AlertRecorder.LeftOut.QUEUE_ALERTS, 0L)
                        .containsEntry(AlertRecorder.LeftOut.FAILED, 0L);
            } finally {
                release.countDown();
            }
            long expected = 1 + recorder.backlog();
            await().atMost(Duration.ofSeconds(30)).until(() -> store.count(AlertQuery.ALL) == expected);
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.backlogBytes() == 0);
            assertThat(metrics.get("peregrine.store.written").counter().count()).isEqualTo(expected);
        }
    }

    @Test
    void oneAlertLargerThanTheByteBoundIsStillTakenWhenNothingWaits() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        Alert alert =
                GeneratedAlerts.generate(10, 1, NOW, Duration.ofMillis(100)).getFirst();
        try (AlertStore store = AlertStore.sqlite(dir, 1);
                AlertRecorder recorder = recorder(store, 10, 16, metrics)) {
            recorder.record(AlertJson.write(alert), List.of(), null);
            await().atMost(Duration.ofSeconds(30)).until(() -> store.count(AlertQuery.ALL) == 1);
            assertThat(recorder.leftOut()).containsEntry(AlertRecorder.LeftOut.QUEUE_BYTES, 0L);
        }
    }

    /**
     * The queue holds only each alert's JSON; the writer reads the alert back from it. What it
     * stores and announces is the alert that was recorded, field for field, with its outputs and
     * mute.
     */
    @Test
    void theAlertReadBackFromItsJsonIsTheOneRecorded() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        List<Alert> alerts = GeneratedAlerts.generate(11, 50, NOW, Duration.ofMillis(100));
        Map<String, Alert> announced = new ConcurrentHashMap<>();
        try (AlertStore store = AlertStore.sqlite(dir, 1);
                AlertRecorder recorder = recorder(store, 10_000, Long.MAX_VALUE, metrics)) {
            recorder.onStored(
                    batch -> batch.forEach(s -> announced.put(s.alert().uuid(), s.alert())));
            for (int i = 0; i < alerts.size(); i++) {
                Alert a = alerts.get(i);
                recorder.record(AlertJson.write(a), List.of("webhook", "slack"), i % 2 == 0 ? null : "mute-" + i);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> announced.size() == alerts.size());
            for (int i = 0; i < alerts.size(); i++) {
                Alert a = alerts.get(i);
                assertThat(announced.get(a.uuid())).isEqualTo(a);
                StoredAlert stored = store.find(a.uuid()).orElseThrow();
                assertThat(stored.outputs()).containsExactlyInAnyOrder("webhook", "slack");
                assertThat(stored.muted()).isEqualTo(i % 2 == 0 ? null : "mute-" + i);
            }
        }
    }

    /** A body the writer cannot read as an alert is left out (counted as failed); the rest is stored. */
    @Test
    void aBodyThatIsNotAnAlertIsLeftOutAndTheWriterGoesOn() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        List<Alert> alerts = GeneratedAlerts.generate(12, 20, NOW, Duration.ofMillis(100));
        try (AlertStore store = AlertStore.sqlite(dir, 1);
                AlertRecorder recorder = recorder(store, 10_000, Long.MAX_VALUE, metrics)) {
            recorder.record("{\"rule\": 7}".getBytes(StandardCharsets.UTF_8), List.of(), null);
            alerts.forEach(a -> recorder.record(AlertJson.write(a), List.of(), null));
            await().atMost(Duration.ofSeconds(30)).until(() -> store.count(AlertQuery.ALL) == alerts.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.backlog() == 0);
            assertThat(recorder.leftOut()).containsEntry(AlertRecorder.LeftOut.FAILED, 1L);
            assertThat(recorder.backlogBytes()).isZero();
            assertThat(metrics.get("peregrine.store.written").counter().count()).isEqualTo(alerts.size());
        }
    }

    /**
     * A recorder that keeps every alert for a year, no size bound, retention checked hourly: the
     * tests vary only its queue's bounds.
     */
    static AlertRecorder recorder(AlertStore store, int queue, long queueBytes, MeterRegistry metrics) {
        return new AlertRecorder(
                store,
                Duration.ofDays(365),
                Long.MAX_VALUE,
                Duration.ofHours(1),
                queue,
                queueBytes,
                Clock.systemUTC(),
                metrics);
    }
}
