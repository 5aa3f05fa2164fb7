package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.dedup.DedupSettings;
import dev.peregrine.sidekick.dedup.GroupSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The keys every output has beside its own: its type, which alerts it gets (routing) and how
 * hard delivery tries (retry, circuit breaker, parallelism). Bound from the same
 * {@code peregrine.outputs.<name>} section as the output's own record.
 *
 * @param minimumPriority Falco priority name; alerts below it are not routed here
 * @param rules when not empty, only these rule names
 * @param tags when not empty, only alerts with at least one of these tags
 * @param sources when not empty, only these sources (syscall, k8s_audit, ...)
 * @param parallelism alerts in flight at once to this output
 * @param dedup overrides of {@code peregrine.dedup} for this output; null when absent
 * @param group grouping of this output's alerts by rule; null when absent
 * @param payloads {@code falcosidekick} or {@code peregrine}: whose payloads this output sends;
 *     null for {@code peregrine.payloads}
 */
public record OutputSettings(
        @NotBlank String type,
        @DefaultValue("debug") String minimumPriority,
        @DefaultValue Set<String> rules,
        @DefaultValue Set<String> tags,
        @DefaultValue Set<String> sources,
        @DefaultValue("4") @Min(1) @Max(256) int parallelism,
        @DefaultValue @Valid Retry retry,
        @DefaultValue @Valid CircuitBreaker circuitBreaker,
        DedupSettings dedup,
        GroupSettings group,
        String payloads) {

    /**
     * The settings of an output of this type whose section says nothing else: the defaults
     * declared here, bound as a configured output's are.
     */
    public static OutputSettings defaults(String type) {
        String key = "output";
        return new Binder(new MapConfigurationPropertySource(Map.of(key + ".type", type)))
                .bindOrCreate(key, Bindable.of(OutputSettings.class));
    }

    public OutputSettings withParallelism(int parallelism) {
        return new OutputSettings(
                type,
                minimumPriority,
                rules,
                tags,
                sources,
                parallelism,
                retry,
                circuitBreaker,
                dedup,
                group,
                payloads);
    }

    /**
     * Retries with exponential backoff and jitter. When they are used up the alert stays in the
     * spool and is tried again after {@code maxBackoff}: an alert is never dropped for being late.
     */
    public record Retry(
            @DefaultValue("5") @Min(1) int maxAttempts,
            @DefaultValue("200ms") Duration initialBackoff,
            @DefaultValue("30s") Duration maxBackoff) {}

    /**
     * Opens after {@code failureRateThreshold} percent of the last {@code windowSize} calls failed,
     * then lets one probe through every {@code openDuration}.
     */
    public record CircuitBreaker(
            @DefaultValue("50") @DecimalMin("1") @DecimalMax("100")
            float failureRateThreshold,

            @DefaultValue("20") @Min(1) int windowSize,
            @DefaultValue("30s") Duration openDuration) {}
}
