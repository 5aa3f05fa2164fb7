package dev.peregrine.detector.node;

import dev.peregrine.detector.anomaly.AnomalySettings;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.transport.LinkSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the detector runs on a node: the flags of {@code run} and {@code capture}. The defaults are
 * those of {@link Builder}, and nowhere else.
 *
 * @param rules rules files; empty for the bundled stable rules
 * @param recordTo where {@code capture} records every event (JSON lines, as {@code replay} reads
 *     them); null for {@code run}, which prints and sends alerts instead
 * @param metricsPort port of the Prometheus endpoint (0: any free port)
 * @param runFor how long to run; null until stopped
 * @param maxProcesses bound of the process table
 * @param hostname the hostname alerts carry
 * @param criSockets Kubernetes CRI sockets to ask about containers, besides the default ones
 * @param containerWait how long the events of a new container wait for its metadata at most
 *     before the rules see them (zero: not at all)
 * @param sidekick where alerts go besides stdout; null for stdout only
 * @param anomaly the behaviour model's settings ({@code run --anomaly}); null when it is off
 */
public record NodeSettings(
        List<Path> rules,
        Path recordTo,
        int metricsPort,
        Duration runFor,
        int maxProcesses,
        String hostname,
        List<Path> criSockets,
        Duration containerWait,
        Sidekick sidekick,
        AnomalySettings anomaly) {

    /** Defaults: here, for the builder and for the help that states them. */
    public static final int DEFAULT_METRICS_PORT = 8765;

    public static final int DEFAULT_MAX_PROCESSES = 65_536;
    public static final Path DEFAULT_SPOOL_DIR = Path.of("var/detector-spool");
    public static final long DEFAULT_SPOOL_MAX_BYTES = 512L << 20;

    public NodeSettings {
        rules = List.copyOf(rules);
        criSockets = List.copyOf(criSockets);
    }

    /**
     * The link to the sidekick and the node spool in front of it.
     *
     * @param spoolMaxBytes the spool's disk budget: past it the oldest alerts are dropped
     * @param nodeName the Kubernetes node name alerts carry (their origin)
     * @param clusterName the cluster name alerts carry (their origin)
     */
    public record Sidekick(LinkSettings link, Path spoolDir, long spoolMaxBytes, String nodeName, String clusterName) {}

    /** {@code capture}: events are recorded, no alert is printed or sent. */
    public boolean recording() {
        return recordTo != null;
    }

    /**
     * Settings starting from the defaults; the environment gives the defaults of the sidekick
     * token ({@code PEREGRINE_TOKEN}), the node name ({@code NODE_NAME}) and the cluster name
     * ({@code CLUSTER_NAME}).
     */
    public static Builder builder(Map<String, String> env) {
        return new Builder(env);
    }

    /** The settings being parsed, each field starting at its default. */
    public static final class Builder {
        private final List<Path> rules = new ArrayList<>();
        private Path recordTo;
        private int metricsPort = DEFAULT_METRICS_PORT;
        private Duration runFor;
        private int maxProcesses = DEFAULT_MAX_PROCESSES;
        /** Null for this host's name, looked up when built. */
        private String hostname;

        private final List<Path> criSockets = new ArrayList<>();
        private Duration containerWait = LiveDetection.DEFAULT_CONTAINER_WAIT;
        private String sidekick;
        private Path sidekickCa;
        private Path sidekickCert;
        private Path sidekickKey;
        private String sidekickToken;
        private Duration sidekickAckDeadline = LinkSettings.DEFAULT_ACK_DEADLINE;
        private Path spoolDir = DEFAULT_SPOOL_DIR;
        private long spoolMaxBytes = DEFAULT_SPOOL_MAX_BYTES;
        private String nodeName;
        private String clusterName;
        /** Null while anomaly detection is off. */
        private AnomalySettings anomaly;

        private Builder(Map<String, String> env) {
            sidekickToken = env.get("PEREGRINE_TOKEN");
            nodeName = env.getOrDefault("NODE_NAME", "");
            clusterName = env.getOrDefault("CLUSTER_NAME", "");
        }

        public Builder rules(Path file) {
            rules.add(file);
            return this;
        }

        public Builder recordTo(Path file) {
            recordTo = file;
            return this;
        }

        public Builder metricsPort(int port) {
            metricsPort = port;
            return this;
        }

        public Builder runFor(Duration duration) {
            runFor = duration;
            return this;
        }

        public Builder maxProcesses(int max) {
            maxProcesses = max;
            return this;
        }

        public Builder hostname(String name) {
            hostname = name;
            return this;
        }

        public Builder cri(Path socket) {
            criSockets.add(socket);
            return this;
        }

        public Builder containerWait(Duration wait) {
            containerWait = wait;
            return this;
        }

        /** HOST:PORT of the sidekick's gRPC intake. */
        public Builder sidekick(String target) {
            sidekick = target;
            return this;
        }

        public Builder sidekickCa(Path pem) {
            sidekickCa = pem;
            return this;
        }

        public Builder sidekickCert(Path pem) {
            sidekickCert = pem;
            return this;
        }

        public Builder sidekickKey(Path pem) {
            sidekickKey = pem;
            return this;
        }

        public Builder sidekickToken(String token) {
            sidekickToken = token;
            return this;
        }

        /** How long a stream with alerts in flight may go without any ack before the link reconnects. */
        public Builder sidekickAckDeadline(Duration deadline) {
            sidekickAckDeadline = deadline;
            return this;
        }

        public Builder spoolDir(Path dir) {
            spoolDir = dir;
            return this;
        }

        public Builder spoolMaxBytes(long bytes) {
            spoolMaxBytes = bytes;
            return this;
        }

        public Builder nodeName(String name) {
            nodeName = name;
            return this;
        }

        public Builder clusterName(String name) {
            clusterName = name;
            return this;
        }

        /** Switches the behaviour model on with these settings (null: off). */
        public Builder anomaly(AnomalySettings settings) {
            anomaly = settings;
            return this;
        }

        /** The behaviour model's settings so far: null while it is off. */
        public AnomalySettings anomaly() {
            return anomaly;
        }

        /**
         * @throws IllegalArgumentException for a client certificate without its key or a key
         *     without its certificate
         * @throws UnknownHostException when no hostname was given, the kernel's cannot be read and
         *     this host's name cannot be resolved
         */
        public NodeSettings build() throws UnknownHostException {
            if ((sidekickCert == null) != (sidekickKey == null)) {
                throw new IllegalArgumentException(
                        "--sidekick-cert and --sidekick-key go together (mutual TLS needs both)");
            }
            return new NodeSettings(
                    rules,
                    recordTo,
                    metricsPort,
                    runFor,
                    maxProcesses,
                    hostname != null ? hostname : thisHost(),
                    criSockets,
                    containerWait,
                    sidekick == null
                            ? null
                            : new Sidekick(
                                    LinkSettings.of(sidekick, sidekickCa, sidekickCert, sidekickKey, sidekickToken)
                                            .withAckDeadline(sidekickAckDeadline),
                                    spoolDir,
                                    spoolMaxBytes,
                                    nodeName,
                                    clusterName),
                    anomaly);
        }
    }

    /**
     * The name alerts carry when no {@code --hostname} is given, as Falco chooses it:
     * {@code FALCO_HOSTNAME} if set (Falco's Helm chart sets it to the node's name), else the
     * kernel's host name, as {@code gethostname()} gives it. Not through name resolution: a
     * container with {@code --network none} (or whose name is in no {@code /etc/hosts}) cannot
     * resolve its own name, and the detector must start there too.
     */
    static String thisHost() throws UnknownHostException {
        String falco = System.getenv("FALCO_HOSTNAME");
        if (falco != null && !falco.isBlank()) return falco.strip();
        try {
            String kernel = Files.readString(KERNEL_HOSTNAME).strip();
            if (!kernel.isEmpty()) return kernel;
        } catch (IOException e) {
            // not Linux, or /proc not mounted: resolution is all that is left
        }
        return InetAddress.getLocalHost().getHostName();
    }

    static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");
}
