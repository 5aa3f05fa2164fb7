package dev.peregrine.detector.field;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.Ipv4;
import dev.peregrine.detector.event.Ipv6;

/**
 * A field resolved against the event model at load time. Text fields answer {@link #text},
 * numeric and boolean ones {@link #number} (booleans as 0/1); absence is null or {@link Event#NONE}.
 * A few fields have several values (every ancestor for {@code proc.aname} without an index):
 * {@link #count} says how many, and checks pass when any value matches, as in libsinsp.
 */
public interface Accessor {
    FieldType type();

    /** True when {@link #count} may exceed one; single-valued fields take a faster path. */
    default boolean multiValued() {
        return false;
    }

    /**
     * True for a list value (libsinsp's list fields: a transformer list such as {@code ("-n", x)}
     * or {@code getopt(...)} without a selector). A list is compared as a whole, only with
     * {@code exists}, {@code in} (every item in the set) and {@code intersects} (some item in it),
     * and may be present and empty.
     */
    default boolean isList() {
        return false;
    }

    /** Whether there is a value at all; for a list, whether the list is there, even empty. */
    default boolean exists(Event e) {
        return count(e) > 0;
    }

    default String text(Event e) {
        return textAt(e, 0);
    }

    default String textAt(Event e, int i) {
        return null;
    }

    default long number(Event e) {
        return numberAt(e, 0);
    }

    default long numberAt(Event e, int i) {
        return Event.NONE;
    }

    /** An IPv4 address value as an unsigned 32-bit number, -1 when absent or not IPv4; IP fields answer without parsing. */
    default long ipv4At(Event e, int i) {
        return Ipv4.parse(textAt(e, i));
    }

    /** True when value {@code i} is an IPv6 address; {@link #ipv6HiAt}/{@link #ipv6LoAt} then give its bits. */
    default boolean isIpv6At(Event e, int i) {
        return Ipv6.isValid(textAt(e, i));
    }

    default long ipv6HiAt(Event e, int i) {
        return Ipv6.high(textAt(e, i));
    }

    default long ipv6LoAt(Event e, int i) {
        return Ipv6.low(textAt(e, i));
    }

    default int count(Event e) {
        if (type().isNumeric() || type() == FieldType.BOOL) return number(e) == Event.NONE ? 0 : 1;
        return text(e) == null ? 0 : 1;
    }

    /** The value as Falco prints it in outputs, or null for {@code <NA>}. Only used when an alert fires. */
    default String display(Event e) {
        if (type() == FieldType.BOOL) {
            long v = number(e);
            return v == Event.NONE ? null : (v != 0 ? "true" : "false");
        }
        if (type().isNumeric()) {
            long v = number(e);
            return v == Event.NONE ? null : Long.toString(v);
        }
        return text(e);
    }
}
