package dev.peregrine.detector.rule;

import dev.peregrine.detector.event.Event;

/** A compiled condition. Implementations must not allocate: they run for every event. */
@FunctionalInterface
public interface EventPredicate {
    boolean test(Event e);
}
