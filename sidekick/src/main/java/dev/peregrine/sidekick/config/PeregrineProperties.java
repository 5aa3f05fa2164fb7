package dev.peregrine.sidekick.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The sidekick's own settings under {@code peregrine.*}. Outputs ({@code peregrine.outputs}) are
 * bound separately, per type, by {@link dev.peregrine.sidekick.delivery.OutputsBinder}.
 *
 * @param customfields added to every alert's output_fields, as Falcosidekick's CUSTOMFIELDS
 * @param templatedfields added to every alert's output_fields, each the result of a template over
 *     the alert (after the custom fields), as Falcosidekick's TEMPLATEDFIELDS
 * @param log where accepted alerts wait for delivery: the local spool or a shared Kafka log
 * @param config how the configuration itself is checked
 * @param metrics what /metrics exposes: bounds on the series alerts can create, Falcosidekick's legacy names
 * @param http how long the HTTP port waits for slow clients
 * @param payloads whose payloads outputs send where Falcosidekick's and Peregrine's differ:
 *     {@code falcosidekick} (the default) or {@code peregrine}; an output's own {@code payloads}
 *     key wins
 */
@Validated
@ConfigurationProperties("peregrine")
public record PeregrineProperties(
        @DefaultValue @Valid Spool spool,
        @DefaultValue @Valid Intake intake,
        @DefaultValue @Valid Log log,
        @DefaultValue Map<String, String> customfields,
        @DefaultValue Map<String, String> templatedfields,
        @DefaultValue @Valid Config config,
        @DefaultValue @Valid Metrics metrics,
        @DefaultValue @Valid Http http,

        @DefaultValue("falcosidekick")
        @Pattern(regexp = "(?i)falcosidekick|peregrine", message = "must be falcosidekick or peregrine")
        String payloads) {

    /**
     * @param dir where spool.db lives
     * @param maxBytes disk budget for queued alerts; when reached intake answers 503 / RETRY_LATER
     * @param fsync fsync on every commit (survives power loss); off still survives a killed process
     * @param dedupWindow how long an accepted uuid is remembered, so resends are not delivered twice
     * @param commitLinger how long a small batch of writes waits for more before its commit (and fsync)
     */
    public record Spool(
            @DefaultValue("./var/spool") @NotNull Path dir,
            @DefaultValue("1GB") @NotNull DataSize maxBytes,
            @DefaultValue("true") boolean fsync,
            @DefaultValue("24h") @NotNull Duration dedupWindow,
            @DefaultValue("1ms") @NotNull Duration commitLinger) {}

    /**
     * @param maxBodySize larger HTTP bodies are refused with 413
     * @param token when set, gRPC senders must present it ("authorization: Bearer TOKEN")
     * @param streamWindow alerts the gRPC intake reads from one stream ahead of the acks it sent
     *     on it; the sender keeps the rest (HTTP/2 flow control)
     * @param streamBuffer bytes of one stream's alerts received and not yet read (its HTTP/2 flow
     *     control window), held in the sidekick's network buffers
     * @param maxWaitingAlerts alerts taken from all senders and not yet durable; beyond it intake
     *     answers 503 / RETRY_LATER
     * @param maxWaitingBytes the same bound on their payload size
     * @param grpcMaxConnectionAge how long a gRPC connection (a detector's link) lives before the
     *     sidekick asks its client to reconnect (HTTP/2 GOAWAY; grpc-java adds +/-10 % of jitter),
     *     so that links spread again over replicas that started later; 0 for never
     * @param grpcMaxConnectionAgeGrace how long a connection past its age may finish the streams
     *     on it before they are cut (a detector half-closes its stream once its alerts in flight
     *     were acked, and opens a new one)
     */
    public record Intake(
            @DefaultValue("1MB") @NotNull DataSize maxBodySize,
            String token,
            @DefaultValue("1024") @Positive @Max(65536) int streamWindow,
            @DefaultValue("64KB") @NotNull DataSize streamBuffer,
            @DefaultValue("20000") @Positive int maxWaitingAlerts,
            @DefaultValue("64MB") @NotNull DataSize maxWaitingBytes,
            @DefaultValue("30m") @NotNull Duration grpcMaxConnectionAge,
            @DefaultValue("1m") @NotNull Duration grpcMaxConnectionAgeGrace) {

        /** "key: reason" for the sizes bean validation cannot check; empty when they are fine. */
        public List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (maxWaitingBytes.toBytes() < 1) {
                problems.add("peregrine.intake.max-waiting-bytes: must be greater than 0");
            }
            // HTTP/2 allows 64 KB - 1 as the smallest initial window and 2 GB - 1 as the largest.
            if (streamBuffer.toBytes() < 65_535 || streamBuffer.toBytes() > Integer.MAX_VALUE) {
                problems.add("peregrine.intake.stream-buffer: must be from 64KB to 2GB (HTTP/2's window), not "
                        + streamBuffer);
            }
            // gRPC's own floor is 1 s: anything shorter would be raised to it without a word.
            if (!grpcMaxConnectionAge.isZero() && grpcMaxConnectionAge.compareTo(Duration.ofSeconds(1)) < 0) {
                problems.add("peregrine.intake.grpc-max-connection-age: must be at least 1s, or 0 for never, not "
                        + grpcMaxConnectionAge);
            }
            if (grpcMaxConnectionAgeGrace.compareTo(Duration.ofSeconds(1)) < 0) {
                problems.add("peregrine.intake.grpc-max-connection-age-grace: must be at least 1s (the time a"
                        + " detector has to get its alerts in flight acked), not " + grpcMaxConnectionAgeGrace);
            }
            return problems;
        }
    }

    /**
     * @param maxLabelValues per label fed by alerts (so by whoever posts them), the most distinct
     *     values it keeps per metric; later values count as "other"
     * @param maxSeries the most series a metric with one of those labels keeps
     * @param legacyNames also expose Falcosidekick's metric names from before 2.30
     *     ({@code falcosidekick_inputs}, {@code falcosidekick_outputs}, {@code falco_events})
     */
    public record Metrics(
            @DefaultValue @Valid LabelValues maxLabelValues,
            @DefaultValue("5000") @Positive int maxSeries,
            @DefaultValue("false") boolean legacyNames) {

        /** As Micrometer tag (Prometheus label) names to limits. */
        public Map<String, Integer> byLabel() {
            return Map.of(
                    "rule", maxLabelValues.rule(),
                    "hostname", maxLabelValues.hostname(),
                    "source", maxLabelValues.source(),
                    "k8s_ns_name", maxLabelValues.k8sNsName(),
                    "k8s_pod_name", maxLabelValues.k8sPodName());
        }
    }

    /** The labels alerts feed: rule, hostname, source, k8s_ns_name, k8s_pod_name. */
    public record LabelValues(
            @DefaultValue("500") @Positive int rule,
            @DefaultValue("500") @Positive int hostname,
            @DefaultValue("50") @Positive int source,
            @DefaultValue("500") @Positive int k8sNsName,
            @DefaultValue("1000") @Positive int k8sPodName) {}

    /**
     * Deadlines for slow clients on the HTTP port (Tomcat's own timeouts are per read, so a client
     * sending a byte a second would never hit them).
     *
     * @param headerTimeout from a request's first byte to the end of its headers
     * @param bodyTimeout how long an intake body may take, plus a second per {@code minBodyRate}
     *     received (Apache's mod_reqtimeout MinRate)
     * @param minBodyRate the slowest an intake body may arrive, per second, beyond
     *     {@code bodyTimeout}
     */
    public record Http(
            @DefaultValue("10s") @NotNull Duration headerTimeout,
            @DefaultValue("10s") @NotNull Duration bodyTimeout,
            @DefaultValue("1KB") @NotNull DataSize minBodyRate) {}

    /**
     * Where accepted alerts wait for delivery.
     *
     * @param mode {@code spool}: the local SQLite spool (one sidekick); {@code kafka}: a Kafka log
     *     shared by several replicas (see docs/scale-out.md)
     */
    public record Log(
            @DefaultValue("spool") @NotNull Mode mode,
            @DefaultValue @Valid Kafka kafka) {
        public enum Mode {
            SPOOL,
            KAFKA
        }
    }

    /**
     * The shared log in {@code kafka} mode: one topic per output, read by one consumer group per
     * output, so an output that is down holds back only its own topic.
     *
     * @param bootstrapServers host:port of the brokers; required in kafka mode
     * @param topicPrefix each output's topic is the prefix + its name; dead letters go to that + ".dead"
     * @param groupPrefix each output's consumer group is the prefix + its name
     * @param partitions of each topic created on startup (existing topics are used as they are);
     *     the most replicas that share one output's deliveries
     * @param replicationFactor of created topics; 0 takes the broker's default
     * @param startupTimeout how long startup waits for the brokers (to create or find the topics)
     * @param properties passed to the Kafka producer, consumers and admin client as they are
     *     (security.protocol, sasl.*, ssl.*, ...)
     */
    public record Kafka(
            @DefaultValue List<String> bootstrapServers,
            @DefaultValue("peregrine.alerts.") @NotNull String topicPrefix,
            @DefaultValue("peregrine.delivery.") @NotNull String groupPrefix,
            @DefaultValue("12") int partitions,
            @DefaultValue("0") short replicationFactor,
            @DefaultValue("30s") @NotNull Duration startupTimeout,
            @DefaultValue Map<String, String> properties) {}

    /**
     * @param unknown what a setting nothing reads does ({@code peregrine.outptus}, Falcosidekick's
     *     format in application.yml, a Falcosidekick variable of an output Peregrine lacks):
     *     {@code fail} stops startup, {@code warn} logs it once and starts
     */
    public record Config(
            @DefaultValue("fail") @Pattern(regexp = "fail|warn", message = "must be fail or warn")
            String unknown) {

        public boolean warnOnly() {
            return unknown.equals("warn");
        }
    }
}
