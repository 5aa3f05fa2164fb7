package dev.peregrine.sidekick.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
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
 * @param config how the configuration itself is checked
 * @param metrics what /metrics exposes besides Peregrine's own
 * @param payloads whose payloads outputs send where Falcosidekick's and Peregrine's differ:
 *     {@code falcosidekick} (the default) or {@code peregrine}; an output's own {@code payloads}
 *     key wins
 */
@Validated
@ConfigurationProperties("peregrine")
public record PeregrineProperties(
        @DefaultValue @Valid Spool spool,
        @DefaultValue @Valid Intake intake,
        @DefaultValue Map<String, String> customfields,
        @DefaultValue Map<String, String> templatedfields,
        @DefaultValue @Valid Config config,
        @DefaultValue Metrics metrics,

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
     */
    public record Intake(@DefaultValue("1MB") @NotNull DataSize maxBodySize, String token) {}

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

    /**
     * @param legacyNames also expose Falcosidekick's metric names from before 2.30
     *     ({@code falcosidekick_inputs}, {@code falcosidekick_outputs}, {@code falco_events})
     */
    public record Metrics(@DefaultValue("false") boolean legacyNames) {}
}
