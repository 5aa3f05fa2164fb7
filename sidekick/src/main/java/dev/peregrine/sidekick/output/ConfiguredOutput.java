package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.route.Route;

/** One entry of {@code peregrine.outputs}, validated: its name, type, route, delivery settings and config. */
public record ConfiguredOutput(String name, String type, Route route, OutputSettings settings, OutputConfig config) {}
