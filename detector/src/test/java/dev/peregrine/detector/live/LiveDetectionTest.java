package dev.peregrine.detector.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.container.ContainerTable;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.testkit.DockerDaemon;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole detector on this host: real syscalls of real processes, the eBPF capture, the tables
 * and Falco's stable rules, asserting the alerts Falco would raise.
 */
@Needs({Need.BPF, Need.DOCKER})
@ExtendWith(DockerDaemon.Extension.class)
class LiveDetectionTest {
    static final String IMAGE = "localhost:5000/peregrine/busybox";
    static DockerDaemon docker;
    static String containerId;

    record Alert(CompiledRule rule, Event event) {}

    static final List<Alert> alerts = new CopyOnWriteArrayList<>();
    static final AtomicBoolean running = new AtomicBoolean(true);
    static final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    static Thread loop;
    static ContainerTable containers;
    static volatile Throwable failure;

    @BeforeAll
    static void start() throws Exception {
        RulesLoader.Loaded loaded = new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()));
        assertThat(loaded.result().successful()).isTrue();
        containers = ContainerTable.withDefaultEngines();
        LiveDetection detection = new LiveDetection(loaded.ruleset(), metrics, containers, 10_000);
        CountDownLatch attached = new CountDownLatch(1);
        loop = Thread.ofPlatform().name("live-detection").start(() -> {
            try (Capture capture = Capture.open()) {
                detection.run(
                        capture,
                        () -> {
                            attached.countDown();
                            return running.get();
                        },
                        e -> {},
                        (rule, e) -> alerts.add(new Alert(rule, e)));
            } catch (Throwable t) {
                failure = t;
                attached.countDown();
            }
        });
        assertThat(attached.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failure).isNull();
    }

    @BeforeAll
    static void startContainer(DockerDaemon daemon) throws Exception {
        docker = daemon;
        docker.ensureBusyboxImage(IMAGE + ":1.0");
        containerId = docker.runDetached(
                "--name", "peregrine-live-" + ProcessHandle.current().pid(), IMAGE + ":1.0", "/bin/sleep", "300");
        // The minimal image has no shadow file; give it one to read.
        docker.docker("exec", containerId, "/bin/sh", "-c", "echo 'root:*:20000::::::' > /etc/shadow");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (containerId != null) {
            docker.remove(containerId);
        }
        running.set(false);
        loop.join(10_000);
        containers.close();
    }

    static Alert await(String rule, Predicate<Event> p) {
        Alert a = awaitFor(rule, p, Duration.ofSeconds(20));
        if (a == null) {
            throw new AssertionError("no '" + rule + "' alert within 20 s; alerts: "
                    + alerts.stream()
                            .map(x -> x.rule().name() + "/" + x.event().proc.name)
                            .toList());
        }
        return a;
    }

    /** The first alert of this rule whose event matches, or null after {@code timeout}. */
    static Alert awaitFor(String rule, Predicate<Event> p, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            for (Alert a : alerts) {
                if (a.rule().name().equals(rule) && p.test(a.event())) {
                    return a;
                }
            }
            Thread.onSpinWait();
            assertThat(failure).isNull();
        }
        return null;
    }

    static long run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }

    @Test
    void readingShadowFromAnUntrustedProgramRaisesAWarning() throws Exception {
        long pid = run("/bin/cat", "/etc/shadow");
        Alert a = await("Read sensitive file untrusted", e -> e.proc.pid == pid);
        assertThat(a.rule().priority().toString()).isEqualToIgnoringCase("warning");
        assertThat(a.event().proc.name).isEqualTo("cat");
        assertThat(a.event().fd.name).isEqualTo("/etc/shadow");
        assertThat(a.event().user.name()).isEqualTo("root");
        assertThat(a.event().container.id).isEqualTo("host");
        assertThat(a.event().proc.exepath).as("the path exec was given").isEqualTo("/bin/cat");
        assertThat(a.event().parent().pid)
                .as("the JVM ran cat")
                .isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void readingShadowInAContainerNamesTheContainerAndItsImage() throws Exception {
        String shortId = containerId.substring(0, 12);
        // Metadata (engine API, the container's /etc/passwd) arrives asynchronously after the
        // first events of a new container; Falco has the same race. Repeat (bounded) until an
        // alert carries it.
        Alert found = null;
        for (int i = 0; i < 20 && found == null; i++) {
            docker.docker("exec", containerId, "/bin/cat", "/etc/shadow");
            await("Read sensitive file untrusted", e -> shortId.equals(e.container.id) && e.proc.name.equals("cat"));
            // an earlier alert without metadata matches the line above at once: look for one with it
            found = awaitFor(
                    "Read sensitive file untrusted",
                    e -> shortId.equals(e.container.id)
                            && e.proc.name.equals("cat")
                            && e.container.imageRepository != null
                            && e.user.name() != null,
                    Duration.ofSeconds(1));
        }
        assertThat(found).as("an alert with the container's metadata").isNotNull();
        assertThat(found.event().container.imageRepository).isEqualTo(IMAGE);
        assertThat(found.event().container.imageTag).isEqualTo("1.0");
        assertThat(found.event().container.name).startsWith("peregrine-live-");
        assertThat(found.event().fd.name).isEqualTo("/etc/shadow");
        assertThat(found.event().user.name())
                .as("from the container's own /etc/passwd")
                .isEqualTo("root");
    }

    @Test
    void aShellWithATerminalInAContainerIsReported() throws Exception {
        String shortId = containerId.substring(0, 12);
        docker.docker("exec", "-t", containerId, "/bin/sh", "-c", "exit 0");
        Alert a = await("Terminal shell in container", e -> shortId.equals(e.container.id));
        assertThat(a.event().proc.name).isEqualTo("sh");
        assertThat(a.event().proc.tty).isNotZero();
        assertThat(a.rule().priority().toString()).isEqualToIgnoringCase("notice");
    }

    @Test
    void aSymlinkOverASensitiveFileIsReported() throws Exception {
        Path link = Files.createTempDirectory("peregrine").resolve("link-" + UUID.randomUUID());
        long pid = run("/bin/ln", "-s", "/etc/shadow", link.toString());
        Alert a = await("Create Symlink Over Sensitive Files", e -> e.proc.pid == pid);
        assertThat(a.event().arg("target")).isEqualTo("/etc/shadow");
        assertThat(a.event().arg("linkpath")).isEqualTo(link.toString());
        assertThat(a.event().type).isIn("symlink", "symlinkat");
    }

    @Test
    void runningAProgramFromDevShmIsReported() throws Exception {
        Path copy = Path.of("/dev/shm", "peregrine-true-" + UUID.randomUUID());
        Files.copy(Path.of("/bin/true"), copy);
        try {
            copy.toFile().setExecutable(true);
            long pid = run(copy.toString());
            Alert a = await("Execution from /dev/shm", e -> e.proc.pid == pid);
            assertThat(a.event().proc.exe).isEqualTo(copy.toString());
            assertThat(a.event().type).isEqualTo("execve");
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    @Test
    void recordsFromTheKernelAreCountedIncludingForkAndExit() throws Exception {
        long before = (long)
                metrics.get("peregrine.detector.records").functionCounter().count();
        long pid = run("/bin/cat", "/etc/shadow");
        await("Read sensitive file untrusted", e -> e.proc.pid == pid);
        // the alert's event is counted once its poll returns: at most one 10 ms poll later
        Instant deadline = Instant.now().plusSeconds(10);
        long records;
        do {
            records = (long)
                    metrics.get("peregrine.detector.records").functionCounter().count();
        } while (records - before < 4 && Instant.now().isBefore(deadline));
        // at least cat's fork, exec, openat of /etc/shadow and exit
        assertThat(records - before).isGreaterThanOrEqualTo(4);
        assertThat(metrics.get("peregrine.detector.fds").gauge().value())
                .as("fds of the seeded processes")
                .isPositive();
        // Events by type: cat's exec (a successful exec counts as execve) and its opens.
        assertThat(metrics.get("peregrine.detector.events")
                        .tag("type", "execve")
                        .functionCounter()
                        .count())
                .isPositive();
        assertThat(metrics.get("peregrine.detector.events")
                        .tag("type", "openat")
                        .functionCounter()
                        .count())
                .isPositive();
        // One evaluation in 64 is timed: run commands until one was.
        Instant timed = Instant.now().plusSeconds(20);
        while (metrics.get("peregrine.detector.evaluation").timer().count() == 0
                && Instant.now().isBefore(timed)) {
            run("/bin/true");
        }
        assertThat(metrics.get("peregrine.detector.evaluation").timer().count())
                .as("sampled evaluation times")
                .isPositive();
    }

    @Test
    void searchingForAwsCredentialsIsReported() throws Exception {
        long pid = run("/usr/bin/find", "/nonexistent-" + UUID.randomUUID(), "-path", "*/.aws/credentials");
        Alert a = await("Find AWS Credentials", e -> e.proc.pid == pid);
        assertThat(a.event().proc.cmdline).startsWith("find /nonexistent-").endsWith(".aws/credentials");
        assertThat(metrics.find("peregrine.detector.matches")
                        .tag("rule", "Find AWS Credentials")
                        .counter())
                .isNotNull();
    }
}
