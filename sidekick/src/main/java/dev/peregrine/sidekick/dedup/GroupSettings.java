package dev.peregrine.sidekick.dedup;

import java.time.Duration;
import java.util.List;

/**
 * Grouping for one output ({@code peregrine.outputs.<name>.group}): the alerts of one rule within
 * a window become one summary, counted by {@code by}. Present means enabled unless
 * {@code enabled: false}.
 *
 * @param window how long a group collects after its first alert
 * @param by the fields the summary counts by (same syntax as a dedup key)
 */
public record GroupSettings(Boolean enabled, Duration window, List<String> by) {

    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
    static final List<String> DEFAULT_BY = List.of("hostname", "container.id");
}
