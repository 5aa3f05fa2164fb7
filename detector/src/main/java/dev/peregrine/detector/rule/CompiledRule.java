package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.field.OutputFormat;
import java.util.List;
import java.util.Map;

/**
 * A rule ready to evaluate: its resolved condition (macros and lists expanded, exceptions folded in),
 * the compiled predicate and output, and the event types it can match. {@code typedPredicates} holds,
 * for each type of a positive type set, the predicate with the condition's evt.type checks already
 * decided (see {@link EventTypeFolding}); {@link #NEVER} marks a type the condition can never match.
 * {@code capture} and {@code captureDuration} are the rule's Falco capture keys, kept as read: this
 * engine writes no capture files.
 */
public record CompiledRule(
        int order,
        String name,
        String description,
        Priority priority,
        String source,
        List<String> tags,
        boolean enabled,
        String output,
        OutputFormat outputFormat,
        Expr condition,
        EventPredicate predicate,
        EventTypes eventTypes,
        Map<String, EventPredicate> typedPredicates,
        boolean capture,
        long captureDuration) {
    static final EventPredicate NEVER = e -> false;
    static final EventPredicate ALWAYS = e -> true;

    public CompiledRule {
        typedPredicates = Map.copyOf(typedPredicates);
    }

    /** The cheapest predicate that is exact for events of {@code type}. */
    public EventPredicate predicateFor(String type) {
        return typedPredicates.getOrDefault(type, predicate);
    }
}
