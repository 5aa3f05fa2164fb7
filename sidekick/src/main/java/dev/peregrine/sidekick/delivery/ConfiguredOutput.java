package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.route.Route;

/**
 * One entry of {@code peregrine.outputs}, validated: its name, type, route, delivery settings,
 * config, and what it does with repeated alerts (dedup, grouping or nothing).
 */
public record ConfiguredOutput(
        String name, String type, Route route, OutputSettings settings, OutputConfig config, Policy policy) {

    public ConfiguredOutput {
        policy = policy == null ? Policy.NONE : policy;
    }

    /** An output that delivers every alert as it comes (no dedup, no grouping). */
    public ConfiguredOutput(String name, String type, Route route, OutputSettings settings, OutputConfig config) {
        this(name, type, route, settings, config, Policy.NONE);
    }
}
