package dev.peregrine.detector.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.container.ContainerTable;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.testkit.DockerDaemon;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour model end to end: the real capture and a real container learn a routine for a
 * short window, the routine then runs on without an anomaly, and two attacks through {@code docker
 * exec} (a credential file read, a dropped binary run) each raise their anomaly naming the
 * container's profile and saying what was new.
 */
@Needs({Need.BPF, Need.DOCKER})
@ExtendWith(DockerDaemon.Extension.class)
class AnomalyLiveTest {
    static final String IMAGE = "localhost:5000/peregrine/busybox";
    /** The minimal image has no shadow file: the routine makes one, then loops. */
    static final String ROUTINE = "echo 'root:*:20000::::::' > /etc/shadow; "
            + "while true; do /bin/cat /etc/passwd > /dev/null; /bin/ls / > /dev/null; /bin/sleep 0.3; done";

    @Test
    void aLearntContainerRunsQuietlyAndTwoAttacksRaiseTheirAnomalies(DockerDaemon docker) throws Exception {
        String tag = "anomaly-" + ProcessHandle.current().pid();
        docker.ensureBusyboxImage(IMAGE + ":1.0");
        List<Anomaly> anomalies = new CopyOnWriteArrayList<>();
        AnomalySettings settings = AnomalySettings.defaults()
                .withLearning(Duration.ofSeconds(20))
                .withLearningMinEvents(50)
                .withWindow(Duration.ofSeconds(2))
                .withDirectory(null);
        Baselines model = new Baselines(settings, new SimpleMeterRegistry(), null, anomalies::add);
        RulesLoader.Loaded rules = new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()));
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch attached = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        String id = null;
        try (ContainerTable containers = ContainerTable.withDefaultEngines()) {
            LiveDetection detection =
                    new LiveDetection(rules.ruleset(), new SimpleMeterRegistry(), containers, 10_000).baselines(model);
            Thread loop = Thread.ofPlatform().name("anomaly-live").start(() -> {
                try (Capture capture = Capture.open()) {
                    detection.run(
                            capture,
                            () -> {
                                attached.countDown();
                                return running.get();
                            },
                            null,
                            (rule, e) -> {});
                } catch (Throwable t) {
                    failure[0] = t;
                    attached.countDown();
                }
            });
            try {
                assertThat(attached.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(failure[0]).isNull();
                id = docker.runDetached("--name", tag, IMAGE + ":1.0", "/bin/sh", "-c", ROUTINE);
                String key = "image:" + IMAGE + ":1.0 /bin/sh -c " + ROUTINE;
                // Learning: 20 s from the container's first attributed event, then frozen.
                await(
                        Duration.ofSeconds(60),
                        () -> model.summaries().containsKey(key)
                                && !model.summaries().get(key).learning());
                Instant frozen = Instant.now();
                // The routine runs on for 8 s (four windows): no anomaly for its profile.
                await(
                        Duration.ofSeconds(30),
                        () -> Duration.between(frozen, Instant.now()).toSeconds() >= 8);
                assertThat(anomalies.stream().filter(a -> a.profile().equals(key)))
                        .as("anomalies of the routine after learning")
                        .isEmpty();

                docker.docker("exec", id, "/bin/cat", "/etc/shadow");
                Anomaly read =
                        awaitAnomaly(anomalies, a -> a.profile().equals(key) && a.kind() == AnomalyKind.SENSITIVE_READ);
                assertThat(read.value()).isEqualTo("/etc/shadow");
                assertThat(read.explanation())
                        .isEqualTo(key + " cat read /etc/shadow for the first time; learnt 0"
                                + " sensitive files read over " + Novelty.duration(learnt(model, key)));
                assertThat(read.event().container.name).isEqualTo(tag);
                assertThat(read.event().proc.name).isEqualTo("cat");

                docker.docker("exec", id, "/bin/sh", "-c", "/bin/busybox cp /bin/busybox /tmp/x && /tmp/x true; true");
                Anomaly dropped = awaitAnomaly(
                        anomalies,
                        a -> a.profile().equals(key)
                                && a.kind() == AnomalyKind.EXECUTABLE
                                && a.value().equals("/tmp/x"));
                assertThat(dropped.explanation()).startsWith(key + " executed /tmp/x for the first time; parent sh;");
                assertThat(dropped.event().container.name).isEqualTo(tag);
                assertThat(anomalies.stream()
                                .filter(a -> a.profile().equals(key) && a.kind() == AnomalyKind.FILE_WRITTEN))
                        .as("/tmp was never written while learning")
                        .anySatisfy(a -> assertThat(a.value()).isEqualTo("/tmp"));
            } finally {
                if (id != null) docker.remove(id);
                running.set(false);
                loop.join(10_000);
            }
        }
        assertThat(failure[0]).isNull();
    }

    static long learnt(Baselines model, String key) {
        Baselines.Summary s = model.summaries().get(key);
        return s.frozenNs() - s.learningStartedNs();
    }

    static void await(Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(condition);
    }

    static Anomaly awaitAnomaly(List<Anomaly> anomalies, Predicate<Anomaly> p) {
        try {
            return Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> anomalies.stream().filter(p).findFirst(), java.util.Optional::isPresent)
                    .orElseThrow();
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no such anomaly within 20 s; raised: "
                    + anomalies.stream().map(Anomaly::explanation).toList());
        }
    }
}
