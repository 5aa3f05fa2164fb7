package dev.peregrine.detector.node;

import static dev.peregrine.detector.node.DetectorNodeTest.closedPort;
import static dev.peregrine.detector.node.DetectorNodeTest.get;
import static dev.peregrine.detector.node.DetectorNodeTest.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.contract.v1.Alert;
import dev.peregrine.detector.cli.Commands;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.transport.NodeSpool;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node wired whole on this host: the real capture and tables feed the printed, spooled or
 * recorded output. What the rules find is {@code LiveDetectionTest}'s; this holds the wiring.
 */
@Needs(Need.BPF)
class DetectorNodeLiveTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Detection on a thread of its own, counting its loops (each polls the capture once). */
    final class Detecting implements AutoCloseable {
        final DetectorNode node;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong loops = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        Detecting(NodeSettings settings) throws Exception {
            node = DetectorNode.open(
                    settings,
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            thread = Thread.ofPlatform().name("node-detect").start(() -> {
                try {
                    node.detect(() -> {
                        loops.incrementAndGet();
                        return running.get();
                    });
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            // The process gauge appears once the programs are attached and /proc is seeded.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> failure.get() != null
                            || get(node.metricsPort(), "/metrics").body().contains("peregrine_detector_processes "));
            assertThat(failure.get()).isNull();
        }

        /**
         * Returns once every record queued so far has been through detection: the loop asks
         * {@code running} before each poll, so the second ask from now follows a whole poll that
         * started after this call.
         */
        void drain() {
            long now = loops.get();
            await().atMost(Duration.ofSeconds(60)).until(() -> failure.get() != null || loops.get() >= now + 2);
            assertThat(failure.get()).isNull();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            node.close();
            assertThat(thread.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
        }
    }

    static long run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }

    /** The first alert line on stdout of this rule whose command line has {@code marker}, if any. */
    Optional<JsonNode> printed(String rule, String marker) {
        return out.toString(StandardCharsets.UTF_8)
                .lines()
                .map(MAPPER::readTree)
                .filter(j -> j.get("rule").asString().equals(rule)
                        && j.get("output_fields").get("proc.cmdline").asString().contains(marker))
                .findFirst();
    }

    @Test
    void aLiveAlertIsPrintedAndSpooledForTheSidekick() throws Exception {
        Path spoolDir = dir.resolve("spool");
        JsonNode alert;
        try (Detecting d = new Detecting(settings()
                .sidekick("127.0.0.1:" + closedPort())
                .spoolDir(spoolDir)
                .build())) {
            // cat reads /etc/shadow, then fails on the file that is not there
            String marker = "/nonexistent-" + UUID.randomUUID();
            run("/bin/cat", "/etc/shadow", marker);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> d.failure.get() != null
                            || printed("Read sensitive file untrusted", marker).isPresent());
            alert = printed("Read sensitive file untrusted", marker).orElseThrow();
        }
        try (NodeSpool spool = new NodeSpool(spoolDir, 1 << 20, false)) {
            List<Alert> waiting = spool.next(0, 10_000, 0).stream()
                    .map(NodeSpool.Entry::alert)
                    .toList();
            assertThat(waiting)
                    .as("the spooled alerts of the host's other processes too")
                    .anySatisfy(a -> {
                        assertThat(a.getOutput()).isEqualTo(alert.get("output").asString());
                        assertThat(a.getRule()).isEqualTo("Read sensitive file untrusted");
                        assertThat(a.getHostname()).isEqualTo("node-1");
                    });
        }
    }

    @Test
    void captureRecordsEveryEventAndAlertsNothing() throws Exception {
        Path events = dir.resolve("events.jsonl");
        long pid;
        try (Detecting d = new Detecting(settings().recordTo(events).build())) {
            // An alert under run; capture prints none.
            pid = run("/bin/cat", "/etc/shadow");
            d.drain();
        }
        // Every event of the host is recorded (on a busy host, millions): read them as a stream and
        // keep only cat's, so the test's memory does not grow with what else the host does.
        List<Event> recorded;
        try (Stream<String> lines = Files.lines(events)) {
            recorded =
                    lines.map(EventJson::parse).filter(e -> e.proc.pid == pid).toList();
        }
        assertThat(recorded)
                .anySatisfy(e -> {
                    assertThat(e.type).isEqualTo("openat");
                    assertThat(e.fd.name).isEqualTo("/etc/shadow");
                })
                .as("exec, open, close ...: not only what rules look at")
                .extracting(e -> e.type)
                .contains("execve", "openat", "close");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void rulesThatDoNotLoadExitWith1AfterTheHostChecks() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad, "- rule: R\n  desc: d\n  condition: evt.type = open and\n  output: o\n  priority: INFO\n");
        int code = Commands.run(
                new String[] {"run", "-r", bad.toString(), "--metrics-port", "0"},
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith(bad + ":3:33: error LOAD_ERR_COMPILE_CONDITION (rule 'R')")
                .doesNotContain("rules loaded");
    }
}
