package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
                AlertRecorder recorder = new AlertRecorder(
                        store,
                        Duration.ofDays(365),
                        Long.MAX_VALUE,
                        Duration.ofHours(1),
                        10_000,
                        Clock.systemUTC(),
                        metrics)) {
            recorder.onStored(
                    batch -> batch.forEach(s -> announced.add(s.alert().uuid())));
            // from several threads at once, as intake calls it
            alerts.parallelStream().forEach(a -> recorder.record(a, AlertJson.write(a), List.of("slack"), null));
            await().atMost(Duration.ofSeconds(60)).until(() -> store.count(AlertQuery.ALL) == alerts.size());
            assertThat(announced).hasSize(alerts.size());
            assertThat(metrics.get("peregrine.store.written").counter().count()).isEqualTo(alerts.size());
            assertThat(metrics.get("peregrine.store.dropped").counter().count()).isZero();
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
                AlertRecorder recorder = new AlertRecorder(
                        store,
                        Duration.ofDays(365),
                        Long.MAX_VALUE,
                        Duration.ofHours(1),
                        10,
                        Clock.systemUTC(),
                        metrics)) {
            // far faster than a batch every 200 ms: most find the queue of 10 full
            alerts.forEach(a -> recorder.record(a, AlertJson.write(a), List.of(), null));
            double dropped = metrics.get("peregrine.store.dropped").counter().count();
            assertThat(dropped).isGreaterThan(0);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> store.count(AlertQuery.ALL) + (long) dropped == alerts.size());
        }
    }
}
