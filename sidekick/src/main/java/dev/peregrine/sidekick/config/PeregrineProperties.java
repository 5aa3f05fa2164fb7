package dev.peregrine.sidekick.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param metrics bounds on the metric series alerts can create
 * @param http how long the HTTP port waits for slow clients
 */
@Validated
@ConfigurationProperties("peregrine")
public record PeregrineProperties(
        @DefaultValue @Valid Spool spool,
        @DefaultValue @Valid Intake intake,
        @DefaultValue Map<String, String> customfields,
        @DefaultValue Map<String, String> templatedfields,
        @DefaultValue @Valid Metrics metrics,
        @DefaultValue @Valid Http http) {

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
     */
    public record Intake(@DefaultValue("1MB") @NotNull DataSize maxBodySize, String token) {}

    /**
     * @param maxLabelValues per label fed by alerts (so by whoever posts them), the most distinct
     *     values it keeps per metric; later values count as "other"
     * @param maxSeries the most series a metric with one of those labels keeps
     */
    public record Metrics(
            @DefaultValue @Valid LabelValues maxLabelValues,
            @DefaultValue("5000") @Positive int maxSeries) {

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
}
