package dev.peregrine.detector.field;

import dev.peregrine.detector.event.Event;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/** Small factories so the catalogue reads as a table. */
final class Accessors {
    private Accessors() {}

    static Accessor text(FieldType type, Function<Event, String> f) {
        return new Accessor() {
            @Override public FieldType type() { return type; }
            @Override public String textAt(Event e, int i) { return f.apply(e); }
        };
    }

    static Accessor text(Function<Event, String> f) {
        return text(FieldType.CHARBUF, f);
    }

    static Accessor number(FieldType type, ToLongFunction<Event> f) {
        return new Accessor() {
            @Override public FieldType type() { return type; }
            @Override public long numberAt(Event e, int i) { return f.applyAsLong(e); }
        };
    }

    /** A boolean field; {@code present} false means the value is absent. */
    static Accessor bool(Predicate<Event> present, Predicate<Event> value) {
        return new Accessor() {
            @Override public FieldType type() { return FieldType.BOOL; }
            @Override public long numberAt(Event e, int i) {
                return present.test(e) ? (value.test(e) ? 1 : 0) : Event.NONE;
            }
        };
    }

    static Accessor bool(Predicate<Event> value) {
        return bool(e -> true, value);
    }
}
