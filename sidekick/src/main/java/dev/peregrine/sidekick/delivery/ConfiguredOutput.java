package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.route.Route;

/**
 * One entry of {@code peregrine.outputs}, validated: its name, type, route, delivery settings,
 * config, what it does with repeated alerts (dedup, grouping or nothing), and the context it is
 * built in (whose payloads, which custom fields).
 */
public record ConfiguredOutput(
        String name,
        String type,
        Route route,
        OutputSettings settings,
        OutputConfig config,
        Policy policy,
        OutputContext context) {

    public ConfiguredOutput {
        policy = policy == null ? Policy.NONE : policy;
        context = context == null ? new OutputContext(name, OutputsBinder.PREFIX + "." + name) : context;
    }

    /** An output built with Falcosidekick's payloads and no custom fields. */
    public ConfiguredOutput(
            String name, String type, Route route, OutputSettings settings, OutputConfig config, Policy policy) {
        this(name, type, route, settings, config, policy, null);
    }

    /** An output that delivers every alert as it comes (no dedup, no grouping). */
    public ConfiguredOutput(String name, String type, Route route, OutputSettings settings, OutputConfig config) {
        this(name, type, route, settings, config, Policy.NONE);
    }
}
