package dev.peregrine.detector.cli;

import dev.peregrine.detector.anomaly.AnomalySettings;
import dev.peregrine.detector.anomaly.AnomalySettingsFile;
import dev.peregrine.detector.node.DetectorNode;
import dev.peregrine.detector.node.NodeSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code run} prints alerts of live events as Falco JSON lines (and sends them to the sidekick);
 * {@code capture --out FILE} records live events in the JSON-lines format {@code replay} reads.
 * Both serve Prometheus metrics. This class only reads the flags; {@link DetectorNode} runs them.
 */
final class RunCommand {
    static final String USAGE = """
            usage: run [-r RULES]... [--metrics-port N] [--seconds N] [--max-processes N] [--hostname NAME] [--cri SOCKET]...
                       [--container-wait MS]
                       [--sidekick HOST:PORT [--sidekick-ca PEM] [--sidekick-cert PEM --sidekick-key PEM]
                        [--sidekick-token T] [--sidekick-ack-deadline N] [--spool-dir DIR] [--spool-max-bytes N] [--node-name N] [--cluster-name N]]
                       [--anomaly [--anomaly-learning DURATION] [--anomaly-config FILE] [--anomaly-dir DIR]]
                   capture --out FILE [-r RULES]... [--seconds N] [--metrics-port N] [--cri SOCKET]... [--container-wait MS]
            (run --help or capture --help says what each flag does)""";

    private RunCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        NodeSettings settings;
        try {
            settings = settings(args, System.getenv());
        } catch (UsageException e) {
            err.println(e.getMessage());
            return 2;
        }
        return DetectorNode.run(settings, out, err);
    }

    /**
     * The settings {@code args} ({@code run ...} or {@code capture ...}) ask for.
     *
     * @param env where the defaults of the token, node and cluster name come from
     * @throws UsageException with what to print (exit code 2)
     */
    static NodeSettings settings(String[] args, Map<String, String> env) throws UsageException, IOException {
        String command = args[0];
        boolean capture = command.equals("capture");
        NodeSettings.Builder b = NodeSettings.builder(env);
        Flags flags = new Flags(command, args);
        boolean anomaly = false;
        Duration learning = null;
        Path anomalyConfig = null;
        Path anomalyDir = null;
        while (flags.hasNext()) {
            String flag = flags.next();
            switch (flag) {
                case "-r", "--rules" -> b.rules(Path.of(flags.value(flag)));
                case "--out" -> {
                    Path file = Path.of(flags.value(flag));
                    // run has always accepted --out and ignored it: recording is what capture is for
                    if (capture) {
                        b.recordTo(file);
                    }
                }
                case "--metrics-port" -> b.metricsPort((int) flags.number(flag, 0, 65_535));
                case "--seconds" -> b.runFor(Duration.ofSeconds(flags.number(flag, 0, Long.MAX_VALUE)));
                case "--max-processes" -> b.maxProcesses((int) flags.number(flag, 1, Integer.MAX_VALUE));
                case "--hostname" -> b.hostname(flags.value(flag));
                case "--sidekick" -> b.sidekick(flags.value(flag));
                case "--sidekick-ca" -> b.sidekickCa(Path.of(flags.value(flag)));
                case "--sidekick-cert" -> b.sidekickCert(Path.of(flags.value(flag)));
                case "--sidekick-key" -> b.sidekickKey(Path.of(flags.value(flag)));
                case "--sidekick-token" -> b.sidekickToken(flags.value(flag));
                case "--sidekick-ack-deadline" ->
                    b.sidekickAckDeadline(Duration.ofSeconds(flags.number(flag, 1, 86_400)));
                case "--spool-dir" -> b.spoolDir(Path.of(flags.value(flag)));
                case "--spool-max-bytes" -> b.spoolMaxBytes(flags.number(flag, 1, Long.MAX_VALUE));
                case "--node-name" -> b.nodeName(flags.value(flag));
                case "--cluster-name" -> b.clusterName(flags.value(flag));
                case "--cri" -> b.cri(Path.of(flags.value(flag)));
                case "--anomaly" -> anomaly = true;
                case "--anomaly-learning" -> {
                    anomaly = true;
                    learning = duration(command, flag, flags.value(flag));
                }
                case "--anomaly-config" -> anomalyConfig = Path.of(flags.value(flag));
                case "--anomaly-dir" -> anomalyDir = Path.of(flags.value(flag));
                case "--container-wait" -> b.containerWait(Duration.ofMillis(flags.number(flag, 0, 60_000)));
                default -> throw new UsageException(USAGE);
            }
        }
        if (anomaly && !capture) {
            b.anomaly(anomalySettings(command, anomalyConfig, learning, anomalyDir));
        }
        NodeSettings settings;
        try {
            settings = b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
        if (capture && !settings.recording()) {
            throw new UsageException("capture: --out FILE is required");
        }
        return settings;
    }

    /**
     * The behaviour model's settings: the defaults, the {@code anomaly:} section of the
     * configuration file over them, then the flags.
     */
    private static AnomalySettings anomalySettings(String command, Path config, Duration learning, Path dir)
            throws UsageException, IOException {
        AnomalySettings s = AnomalySettings.defaults();
        if (config != null) {
            try {
                s = AnomalySettingsFile.read(config, s);
            } catch (AnomalySettingsFile.InvalidSettingException e) {
                throw new UsageException(command + ": " + config + ": " + e.getMessage());
            }
        }
        if (learning != null) s = s.withLearning(learning);
        if (dir != null) s = s.withDirectory(dir);
        return s;
    }

    private static Duration duration(String command, String flag, String text) throws UsageException {
        try {
            return AnomalySettingsFile.parseDuration(flag, text);
        } catch (AnomalySettingsFile.InvalidSettingException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
    }

    /** The flags after the command, each with its value. */
    private static final class Flags {
        private final String command;
        private final String[] args;
        private int next = 1;

        Flags(String command, String[] args) {
            this.command = command;
            this.args = args;
        }

        boolean hasNext() {
            return next < args.length;
        }

        String next() {
            return args[next++];
        }

        String value(String flag) throws UsageException {
            if (next >= args.length) {
                throw new UsageException(command + ": " + flag + " needs a value");
            }
            return args[next++];
        }

        long number(String flag, long min, long max) throws UsageException {
            String v = value(flag);
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new UsageException(command + ": " + flag + " needs a whole number, not '" + v + "'");
            }
            if (n < min || n > max) {
                throw new UsageException(command + ": " + flag + " must be "
                        + (max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max) + ", not "
                        + n);
            }
            return n;
        }
    }

    /** Bad flags: the message says what is wrong; the command exits with 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
