package dev.peregrine.detector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.node.NodeSettings;
import dev.peregrine.detector.transport.LinkSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code run} and {@code capture} read their flags into {@link NodeSettings}: every flag, the defaults, the errors. */
class RunCommandTest {
    private static final Map<String, String> NO_ENV = Map.of();

    private static NodeSettings settings(String... args) throws Exception {
        return RunCommand.settings(args, NO_ENV);
    }

    private record Run(int code, String out, String err) {}

    /** Through the jar's entry point: bad flags stop before anything is opened, so this needs no privilege. */
    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Commands.run(
                args,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void defaults() throws Exception {
        NodeSettings s = settings("run");
        assertThat(s.rules()).as("the bundled rules").isEmpty();
        assertThat(s.recordTo()).isNull();
        assertThat(s.recording()).isFalse();
        assertThat(s.metricsPort()).isEqualTo(8765);
        assertThat(s.runFor()).as("until stopped").isNull();
        assertThat(s.maxProcesses()).isEqualTo(65_536);
        // As Falco: FALCO_HOSTNAME, else the kernel's name (no name resolution, which a container
        // with --network none cannot do).
        String falco = System.getenv("FALCO_HOSTNAME");
        assertThat(s.hostname())
                .isEqualTo(
                        falco != null && !falco.isBlank()
                                ? falco.strip()
                                : Files.readString(Path.of("/proc/sys/kernel/hostname"))
                                        .strip());
        assertThat(s.criSockets()).isEmpty();
        assertThat(s.containerWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.sidekick()).as("stdout only").isNull();
    }

    @Test
    void sidekickDefaults() throws Exception {
        NodeSettings.Sidekick k = settings("run", "--sidekick", "sidekick:2803").sidekick();
        assertThat(k.link()).isEqualTo(LinkSettings.plaintext("sidekick:2803"));
        assertThat(k.link().window()).isEqualTo(1024);
        assertThat(k.link().initialBackoff()).isEqualTo(Duration.ofMillis(200));
        assertThat(k.link().maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(k.link().tls()).isFalse();
        assertThat(k.spoolDir()).isEqualTo(Path.of("var/detector-spool"));
        assertThat(k.spoolMaxBytes()).isEqualTo(512L << 20);
        assertThat(k.nodeName()).isEmpty();
        assertThat(k.clusterName()).isEmpty();
    }

    @Test
    void theEnvironmentGivesTheTokenNodeAndClusterName() throws Exception {
        Map<String, String> env = Map.of("PEREGRINE_TOKEN", "t0k", "NODE_NAME", "worker-7", "CLUSTER_NAME", "prod");
        NodeSettings.Sidekick k = RunCommand.settings(new String[] {"run", "--sidekick", "s:1"}, env)
                .sidekick();
        assertThat(k.link().token()).isEqualTo("t0k");
        assertThat(k.nodeName()).isEqualTo("worker-7");
        assertThat(k.clusterName()).isEqualTo("prod");
        // flags win over the environment
        k = RunCommand.settings(
                        new String[] {
                            "run",
                            "--sidekick",
                            "s:1",
                            "--sidekick-token",
                            "flag",
                            "--node-name",
                            "n",
                            "--cluster-name",
                            "c"
                        },
                        env)
                .sidekick();
        assertThat(k.link().token()).isEqualTo("flag");
        assertThat(k.nodeName()).isEqualTo("n");
        assertThat(k.clusterName()).isEqualTo("c");
    }

    @Test
    void everyFlagOfRun() throws Exception {
        NodeSettings s = settings(
                "run",
                "-r",
                "a.yaml",
                "--rules",
                "b.yaml",
                "--metrics-port",
                "9100",
                "--seconds",
                "30",
                "--max-processes",
                "1000",
                "--hostname",
                "node-1",
                "--cri",
                "/run/containerd/containerd.sock",
                "--cri",
                "/run/crio/crio.sock",
                "--sidekick",
                "sidekick.example:2803",
                "--sidekick-ca",
                "ca.pem",
                "--sidekick-cert",
                "cert.pem",
                "--sidekick-key",
                "key.pem",
                "--sidekick-token",
                "secret",
                "--spool-dir",
                "/var/lib/peregrine/spool",
                "--spool-max-bytes",
                "1048576",
                "--node-name",
                "worker-7",
                "--cluster-name",
                "prod",
                "--sidekick-ack-deadline",
                "90");
        assertThat(s.rules()).containsExactly(Path.of("a.yaml"), Path.of("b.yaml"));
        assertThat(s.recording()).isFalse();
        assertThat(s.metricsPort()).isEqualTo(9100);
        assertThat(s.runFor()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxProcesses()).isEqualTo(1000);
        assertThat(s.hostname()).isEqualTo("node-1");
        assertThat(s.criSockets())
                .containsExactly(Path.of("/run/containerd/containerd.sock"), Path.of("/run/crio/crio.sock"));
        NodeSettings.Sidekick k = s.sidekick();
        assertThat(k.link())
                .isEqualTo(LinkSettings.of(
                                "sidekick.example:2803",
                                Path.of("ca.pem"),
                                Path.of("cert.pem"),
                                Path.of("key.pem"),
                                "secret")
                        .withAckDeadline(Duration.ofSeconds(90)));
        assertThat(k.link().tls()).isTrue();
        assertThat(k.spoolDir()).isEqualTo(Path.of("/var/lib/peregrine/spool"));
        assertThat(k.spoolMaxBytes()).isEqualTo(1_048_576);
        assertThat(k.nodeName()).isEqualTo("worker-7");
        assertThat(k.clusterName()).isEqualTo("prod");
    }

    @Test
    void captureRecordsToItsOutFile() throws Exception {
        NodeSettings s =
                settings("capture", "--out", "events.jsonl", "-r", "a.yaml", "--seconds", "5", "--metrics-port", "0");
        assertThat(s.recording()).isTrue();
        assertThat(s.recordTo()).isEqualTo(Path.of("events.jsonl"));
        assertThat(s.rules()).containsExactly(Path.of("a.yaml"));
        assertThat(s.runFor()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.metricsPort()).isZero();
    }

    @Test
    void runIgnoresOut() throws Exception {
        assertThat(settings("run", "--out", "events.jsonl").recording()).isFalse();
    }

    @Test
    void captureWithoutOutIsAUsageError() {
        Run r = run("capture", "--seconds", "1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("capture: --out FILE is required\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownFlagPrintsTheUsage() {
        for (String command : List.of("run", "capture")) {
            Run r = run(command, "--frobnicate");
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err())
                    .isEqualTo(
                            "usage: run [-r RULES]... [--metrics-port N] [--seconds N] [--max-processes N] [--hostname NAME] [--cri SOCKET]...\n"
                                    + "           [--container-wait MS]\n"
                                    + "           [--sidekick HOST:PORT [--sidekick-ca PEM] [--sidekick-cert PEM --sidekick-key PEM]\n"
                                    + "            [--sidekick-token T] [--sidekick-ack-deadline N] [--spool-dir DIR] [--spool-max-bytes N] [--node-name N] [--cluster-name N]]\n"
                                    + "           [--anomaly [--anomaly-learning DURATION] [--anomaly-config FILE] [--anomaly-dir DIR]]\n"
                                    + "       capture --out FILE [-r RULES]... [--seconds N] [--metrics-port N] [--cri SOCKET]... [--container-wait MS]\n"
                                    + "(run --help or capture --help says what each flag does)\n");
        }
    }

    @Test
    void aClientCertificateNeedsItsKey() {
        Run r = run("run", "--sidekick", "s:1", "--sidekick-cert", "cert.pem");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("run: --sidekick-cert and --sidekick-key go together (mutual TLS needs both)\n");
        assertThat(run("run", "--sidekick-key", "key.pem").err())
                .isEqualTo("run: --sidekick-cert and --sidekick-key go together (mutual TLS needs both)\n");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "run --seconds                  | run: --seconds needs a value",
                "run -r                         | run: -r needs a value",
                "capture --out                  | capture: --out needs a value",
                "run --sidekick                 | run: --sidekick needs a value",
                "run --metrics-port http        | run: --metrics-port needs a whole number, not 'http'",
                "run --metrics-port 65536       | run: --metrics-port must be between 0 and 65535, not 65536",
                "run --metrics-port -1          | run: --metrics-port must be between 0 and 65535, not -1",
                "run --seconds 1.5              | run: --seconds needs a whole number, not '1.5'",
                "run --seconds -1               | run: --seconds must be at least 0, not -1",
                "run --max-processes 0          | run: --max-processes must be between 1 and 2147483647, not 0",
                "run --max-processes 3000000000 | run: --max-processes must be between 1 and 2147483647, not 3000000000",
                "run --spool-max-bytes 0        | run: --spool-max-bytes must be at least 1, not 0",
                "capture --seconds x --out f    | capture: --seconds needs a whole number, not 'x'",
            })
    void badValuesAreUsageErrorsNamingTheFlag(String args, String message) {
        Run r = run(args.split(" "));
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(message + "\n");
        assertThatThrownBy(() -> settings(args.split(" ")))
                .isInstanceOf(RunCommand.UsageException.class)
                .hasMessage(message);
    }

    @Test
    void anomalyDetectionIsOffUnlessAsked() throws Exception {
        assertThat(settings("run").anomaly()).isNull();
        assertThat(settings("capture", "--out", "x.jsonl", "--anomaly").anomaly())
                .as("capture records only")
                .isNull();
    }

    @Test
    void anomalyFlagsSetLearningAndDirectory(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        var a = settings("run", "--anomaly").anomaly();
        assertThat(a).isEqualTo(dev.peregrine.detector.anomaly.AnomalySettings.defaults());
        Path config = java.nio.file.Files.writeString(dir.resolve("detector.yaml"), "anomaly:\n  window: 5s\n");
        var b = settings(
                        "run",
                        "--anomaly-learning",
                        "90s",
                        "--anomaly-config",
                        config.toString(),
                        "--anomaly-dir",
                        dir.resolve("profiles").toString())
                .anomaly();
        assertThat(b.learning()).isEqualTo(Duration.ofSeconds(90));
        assertThat(b.window()).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.directory()).isEqualTo(dir.resolve("profiles"));
    }

    @Test
    void badAnomalySettingsStopStartNamingTheKey(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Run r = run("run", "--anomaly-learning", "soon");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("run: --anomaly-learning: expected a duration such as 60s");
        Path config = java.nio.file.Files.writeString(dir.resolve("detector.yaml"), "anomaly:\n  treshold: 0.6\n");
        Run c = run("run", "--anomaly", "--anomaly-config", config.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("anomaly.treshold: unknown setting");
    }

    @Test
    void containerWaitIsGivenInMillisecondsAndBounded() throws Exception {
        assertThat(settings("run", "--container-wait", "250").containerWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(settings("capture", "--out", "e.jsonl", "--container-wait", "0")
                        .containerWait())
                .isEqualTo(Duration.ZERO);
        Run r = run("run", "--container-wait", "-1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("run: --container-wait must be between 0 and 60000, not -1\n");
    }
}
