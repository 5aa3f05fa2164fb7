package dev.peregrine.detector.rule;

import dev.peregrine.detector.alert.OutputFormat;
import dev.peregrine.detector.condition.Expr;
import java.util.List;

/**
 * A rule ready to evaluate: its resolved condition (macros and lists expanded, exceptions folded in),
 * the compiled predicate and output, and the event types it can match.
 */
public record CompiledRule(int order, String name, String description, Priority priority, String source, List<String> tags,
                           boolean enabled, String output, OutputFormat outputFormat, Expr condition, EventPredicate predicate,
                           EventTypes eventTypes) {
}
