package dev.peregrine.sidekick.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.contract.v1.Origin;
import dev.peregrine.sidekick.Sidekick;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.testing.KafkaSettings;
import dev.peregrine.testkit.KafkaBroker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two sidekick replicas' fleets sharing one real KRaft broker, as in Kafka mode: a detector whose
 * stream moved to the other replica is not down, one silent on both is down once, and back once.
 */
class ReplicaSightingsTest {
    static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    static final Origin ORIGIN = Origin.newBuilder()
            .setHostname("node-3")
            .setNodeName("worker-3")
            .setClusterName("prod")
            .setDetectorVersion("0.1.0")
            .build();

    static KafkaBroker broker;

    /** What both replicas raised, in order: one list, as one alert log would hold them. */
    final List<Alert> raised = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start(1);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    DetectorFleet replica(String prefix, String name) {
        PeregrineProperties.Kafka settings = KafkaSettings.of(prefix, List.of(broker.bootstrapServers()), 1);
        return new DetectorFleet(
                DOWN_AFTER, Clock.systemUTC(), raised::add, new ReplicaSightings(settings, name, DOWN_AFTER));
    }

    static Detector detector(DetectorFleet fleet, String id) {
        return fleet.list().stream().filter(d -> d.id().equals(id)).findFirst().orElse(null);
    }

    List<String> rules() {
        return raised.stream().map(Alert::rule).toList();
    }

    @Test
    void aDetectorThatMovedToTheOtherReplicaIsNotDown() throws Exception {
        try (DetectorFleet a = replica("moved", "a");
                DetectorFleet b = replica("moved", "b")) {
            String id = a.seen(ORIGIN);
            a.disconnected(id);
            b.seen(ORIGIN);
            // A lists it as connected to B once B's sighting reached it.
            await().atMost(30, TimeUnit.SECONDS).until(() -> {
                Detector d = detector(a, id);
                return d != null && d.connected() && "b".equals(d.replica());
            });
            // The detector keeps reporting to B, every 200 ms, for three times down-after: long
            // enough for A's watchdog to have called it down had A judged on its own entry.
            long until = System.nanoTime() + 3 * DOWN_AFTER.toNanos();
            for (int i = 0; i < 100 && System.nanoTime() < until; i++) {
                b.seen(id);
                Thread.sleep(200);
            }
            assertThat(rules()).isEmpty();
            assertThat(detector(a, id).down()).isFalse();
            assertThat(detector(b, id).replica()).isEqualTo("b");
        }
    }

    @Test
    void aDetectorSilentOnBothIsDownOnceAndBackOnce() throws Exception {
        try (DetectorFleet a = replica("silent", "a");
                DetectorFleet b = replica("silent", "b")) {
            String id = a.seen(ORIGIN);
            a.disconnected(id);
            b.seen(ORIGIN);
            b.disconnected(id);
            // Both replicas call it down (each marks it); the alert count is final once they have.
            await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> detector(a, id).down() && detector(b, id).down());
            assertThat(rules()).containsExactly(FleetAlerts.DOWN_RULE);
            assertThat(raised.getFirst().outputFields()).containsEntry("peregrine.detector.id", id);

            // Its stream comes back, to A this time: A says so, and B learns it from A.
            a.seen(ORIGIN);
            await().atMost(30, TimeUnit.SECONDS).until(() -> !detector(b, id).down());
            assertThat(detector(b, id).connected()).isTrue();
            assertThat(detector(b, id).replica()).isEqualTo("a");
            assertThat(rules()).containsExactly(FleetAlerts.DOWN_RULE, FleetAlerts.BACK_RULE);
        }
    }

    @Test
    void theReplicaLeftRaisesDownForADetectorOfAReplicaGone() throws Exception {
        try (DetectorFleet b = replica("gone", "b")) {
            String id;
            try (DetectorFleet a = replica("gone", "a")) {
                id = a.seen(ORIGIN);
                await().atMost(30, TimeUnit.SECONDS).until(() -> detector(b, id) != null);
            }
            // A stopped (as a killed replica does) without a word; the detector is silent too.
            await().atMost(30, TimeUnit.SECONDS).until(() -> detector(b, id).down());
            assertThat(rules()).containsExactly(FleetAlerts.DOWN_RULE);
        }
    }

    /** The sidekick in kafka mode builds its fleet with the sharing: another replica's detector is listed. */
    @Test
    void aKafkaModeSidekickListsTheDetectorsOfAnotherReplica(@TempDir Path dir) throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplication(Sidekick.class)
                        .run(
                                "--server.port=0",
                                "--spring.grpc.server.port=0",
                                "--peregrine.spool.dir=" + dir,
                                "--peregrine.log.mode=kafka",
                                "--peregrine.log.kafka.bootstrap-servers=" + broker.bootstrapServers(),
                                "--peregrine.log.kafka.topic-prefix=boot.",
                                "--peregrine.log.kafka.group-prefix=boot-group.",
                                "--peregrine.ui.detectors.down-after=" + DOWN_AFTER.toSeconds() + "s");
                DetectorFleet other = replica("boot", "other")) {
            DetectorFleet fleet = ctx.getBean(DetectorFleet.class);
            String id = other.seen(ORIGIN);
            await().atMost(30, TimeUnit.SECONDS).until(() -> {
                Detector d = detector(fleet, id);
                return d != null && d.connected() && "other".equals(d.replica());
            });
        }
    }
}
