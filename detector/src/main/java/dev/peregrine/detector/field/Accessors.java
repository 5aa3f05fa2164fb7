package dev.peregrine.detector.field;

import dev.peregrine.detector.event.Event;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/** Small factories so the catalogue reads as a table. */
final class Accessors {
    private Accessors() {}

    // text()/number() are overridden too: the defaults add a call through textAt/numberAt on every check.
    static Accessor text(FieldType type, Function<Event, String> f) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return type;
            }

            @Override
            public String text(Event e) {
                return f.apply(e);
            }

            @Override
            public String textAt(Event e, int i) {
                return f.apply(e);
            }
        };
    }

    static Accessor text(Function<Event, String> f) {
        return text(FieldType.CHARBUF, f);
    }

    static Accessor number(FieldType type, ToLongFunction<Event> f) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return type;
            }

            @Override
            public long number(Event e) {
                return f.applyAsLong(e);
            }

            @Override
            public long numberAt(Event e, int i) {
                return f.applyAsLong(e);
            }
        };
    }

    /** A boolean field; {@code present} false means the value is absent. */
    static Accessor bool(Predicate<Event> present, Predicate<Event> value) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return FieldType.BOOL;
            }

            @Override
            public long number(Event e) {
                return numberAt(e, 0);
            }

            @Override
            public long numberAt(Event e, int i) {
                return present.test(e) ? (value.test(e) ? 1 : 0) : Event.NONE;
            }
        };
    }

    /** A boolean field that is always present: one predicate call per read instead of two. */
    static Accessor bool(Predicate<Event> value) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return FieldType.BOOL;
            }

            @Override
            public long number(Event e) {
                return value.test(e) ? 1 : 0;
            }

            @Override
            public long numberAt(Event e, int i) {
                return value.test(e) ? 1 : 0;
            }
        };
    }
}
