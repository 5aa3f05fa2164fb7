package dev.peregrine.detector.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.container.ContainerEngine;
import dev.peregrine.detector.container.ContainerIds;
import dev.peregrine.detector.container.ContainerTable;
import dev.peregrine.detector.container.DockerEngine;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.testkit.DockerDaemon;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * While a container's events wait for its metadata, the host's go on: the real detector and a
 * real Docker, whose answers are gated by the test (it opens the gate when it has seen what it
 * needs), so that the container's events are held for as long as the test needs.
 */
@Needs({Need.BPF, Need.DOCKER})
@ExtendWith(DockerDaemon.Extension.class)
class ContainerHoldLiveTest {
    static final String IMAGE = "localhost:5000/peregrine/busybox:1.0";

    /**
     * Docker itself, its answers about containers made after the test began waiting until the
     * gate opens (other containers on this shared daemon are answered at once: their events are
     * not to fill the hold).
     */
    static final class GatedEngine implements ContainerEngine {
        final DockerEngine docker = DockerEngine.docker(Duration.ofSeconds(10));
        final CountDownLatch gate = new CountDownLatch(1);
        final Set<String> before;

        GatedEngine(Set<String> before) {
            this.before = before;
        }

        @Override
        public ContainerIds.Runtime runtime() {
            return docker.runtime();
        }

        @Override
        public boolean available() {
            return docker.available();
        }

        @Override
        public Optional<ContainerInfo> inspect(ContainerIds.Ref ref) throws IOException {
            awaitGate(ref);
            return docker.inspect(ref);
        }

        @Override
        public Optional<ContainerInfo> inspectCreated(ContainerIds.Ref ref) throws IOException {
            awaitGate(ref);
            return docker.inspectCreated(ref);
        }

        @Override
        public boolean announces() {
            return true;
        }

        @Override
        public void follow(Lifecycle lifecycle) throws IOException {
            docker.follow(lifecycle);
        }

        private void awaitGate(ContainerIds.Ref ref) throws IOException {
            if (before.contains(ref.id())) return;
            try {
                if (!gate.await(2, TimeUnit.MINUTES)) throw new IOException("gate never opened");
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    record Alert(CompiledRule rule, Event event, long heldThen) {}

    @Test
    void theHostsEventsAreNotHeldWhileAContainersAre(DockerDaemon docker) throws Exception {
        docker.ensureBusyboxImage(IMAGE);
        RulesLoader.Loaded loaded = new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        GatedEngine engine =
                new GatedEngine(Set.of(docker.docker("ps", "-aq", "--no-trunc").split("\\s+")));
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch attached = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        try (ContainerTable table = new ContainerTable(List.of(engine), ContainerTable.Options.defaults())) {
            // Long enough that only the gate can end the wait.
            LiveDetection detection =
                    new LiveDetection(loaded.ruleset(), metrics, table, 100_000, Duration.ofMinutes(2));
            Thread loop = Thread.ofPlatform().start(() -> {
                try (Capture capture = Capture.open()) {
                    detection.run(
                            capture,
                            () -> {
                                attached.countDown();
                                return running.get();
                            },
                            null,
                            (rule, e) -> alerts.add(new Alert(rule, e, holding(metrics))));
                } catch (Throwable t) {
                    failure[0] = t;
                    attached.countDown();
                }
            });
            try {
                assertThat(attached.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(failure[0]).isNull();
                String name = "peregrine-held-" + UUID.randomUUID().toString().substring(0, 8);
                // A binary dropped into the writable layer and run: its exec waits for the container's
                // metadata. (Called ls: busybox's shell runs some applets, sleep among them, in itself.)
                String id = docker.runDetached(
                        "--name",
                        name,
                        IMAGE,
                        "/bin/sh",
                        "-c",
                        "/bin/busybox cp /bin/busybox /tmp/ls && exec /tmp/ls /tmp");
                String shortId = id.substring(0, 12);
                awaitTrue(() -> holding(metrics) > 0, "the container's events held");

                // Meanwhile on the host: its alert comes, the container's events still held.
                Process cat = new ProcessBuilder("/bin/cat", "/etc/shadow")
                        .redirectErrorStream(true)
                        .start();
                cat.getInputStream().readAllBytes();
                cat.waitFor();
                Alert host = awaitAlert(alerts, "Read sensitive file untrusted", e -> e.proc.pid == cat.pid());
                assertThat(host.event().container).isSameAs(ContainerInfo.HOST);
                assertThat(host.heldThen())
                        .as("container events held when the host's alert came")
                        .isPositive();
                assertThat(alerts)
                        .as("nothing of the container evaluated yet")
                        .noneMatch(a -> shortId.equals(a.event().container.id));

                engine.gate.countDown();
                Alert dropped = awaitAlert(
                        alerts, "Drop and execute new binary in container", e -> shortId.equals(e.container.id));
                assertThat(dropped.event().container.name).isEqualTo(name);
                assertThat(dropped.event().container.imageRepository).isEqualTo("localhost:5000/peregrine/busybox");
                assertThat(dropped.event().proc.exeUpperLayer).isTrue();
                assertThat(metrics.get("peregrine.detector.container.held")
                                .functionCounter()
                                .count())
                        .isPositive();
                assertThat(metrics.get("peregrine.detector.container.hold")
                                .timer()
                                .count())
                        .isPositive();
                docker.remove(id);
            } finally {
                engine.gate.countDown();
                running.set(false);
                loop.join(10_000);
            }
        }
    }

    static long holding(SimpleMeterRegistry metrics) {
        var gauge = metrics.find("peregrine.detector.container.holding").gauge();
        return gauge == null ? 0 : (long) gauge.value();
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("not within 30 s: " + what);
            Thread.onSpinWait();
        }
    }

    static Alert awaitAlert(List<Alert> alerts, String rule, Predicate<Event> p) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            for (Alert a : alerts) {
                if (a.rule().name().equals(rule) && p.test(a.event())) return a;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no '" + rule + "' within 30 s; other alerts: "
                + alerts.stream()
                        .map(a -> a.rule().name() + "/" + a.event().proc.name + "/" + a.event().container.id)
                        .distinct()
                        .toList());
    }
}
