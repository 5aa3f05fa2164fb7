package dev.peregrine.sidekick.dedup;

import java.time.Duration;

/**
 * What one output does with repeated alerts, resolved from configuration at startup: nothing,
 * deduplicate by key, or group by rule.
 */
public sealed interface Policy {

    None NONE = new None();

    /** The name stored with a window, so state of one kind is never read as the other. */
    String kind();

    /** Every alert is delivered as it comes. */
    record None() implements Policy {
        public String kind() {
            return "none";
        }
    }

    /**
     * The first alert of a key is delivered at once; later ones within {@code window} are
     * suppressed and counted; when the window ends a follow-up carries the count.
     */
    record Dedup(Duration window, AlertKey key) implements Policy {
        public String kind() {
            return "dedup";
        }
    }

    /**
     * The first alert of a rule is delivered at once; the rule's alerts within {@code window}
     * become one summary, counted by {@code by}.
     */
    record Group(Duration window, AlertKey by) implements Policy {
        public String kind() {
            return "group";
        }
    }
}
