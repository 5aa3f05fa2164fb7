package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.EventTypes;
import dev.peregrine.detector.rule.Priority;
import java.util.List;
import java.util.Map;

/**
 * One anomaly, ready to become an alert: {@code source: anomaly}, the kind's rule name, and output
 * fields naming the profile, the feature, the observed value and the baseline, beside the context
 * fields of {@code event} (the event that triggered it, or for a window the last process seen in it).
 *
 * @param score 1 for a never-seen item; the isolation-forest score for a window; for a rate, how
 *     far over its limit it went (limit / value subtracted from 1, so past the limit is above 0.5)
 * @param value what was observed (the item, or the window's count)
 * @param baseline what was learnt, in words ("12 executables over 2 h")
 * @param explanation the alert's text
 */
public record Anomaly(
        AnomalyKind kind,
        String profile,
        double score,
        String value,
        String baseline,
        String explanation,
        Event event) {

    /** The rule name of the alert. */
    public String rule() {
        return kind.rule;
    }

    /** A window scored far beyond the threshold is raised a level above its kind's priority. */
    public Priority priority() {
        if (!kind.isSet() && score >= 0.8 && kind.priority.ordinal() > 0) {
            return Priority.values()[kind.priority.ordinal() - 1];
        }
        return kind.priority;
    }

    public static final String SOURCE = "anomaly";

    /**
     * The anomaly's kind as the rule an alert names: {@code source: anomaly}, tags {@code anomaly}
     * and the kind's id. It has no condition; the model decides, not the rules engine, and it is
     * never in a ruleset.
     */
    public CompiledRule asRule() {
        Priority p = priority();
        return new CompiledRule(
                -1,
                kind.rule,
                "Behaviour unlike the learnt profile: " + kind.noun,
                p,
                SOURCE,
                List.of(SOURCE, kind.id),
                true,
                explanation,
                null,
                null,
                e -> false,
                EventTypes.ALL,
                Map.of());
    }
}
