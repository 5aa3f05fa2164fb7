package dev.peregrine.sidekick.alert;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Falco's priorities, most severe first; {@link #atLeast} compares severity. */
public enum Priority {
    EMERGENCY("Emergency"),
    ALERT("Alert"),
    CRITICAL("Critical"),
    ERROR("Error"),
    WARNING("Warning"),
    NOTICE("Notice"),
    INFORMATIONAL("Informational"),
    DEBUG("Debug");

    private final String falcoName;

    Priority(String falcoName) {
        this.falcoName = falcoName;
    }

    /** The spelling Falco writes in its JSON output ("Warning"). */
    public String falcoName() {
        return falcoName;
    }

    /** True when this priority is as severe as {@code minimum} or more. */
    public boolean atLeast(Priority minimum) {
        return ordinal() <= minimum.ordinal();
    }

    /**
     * Parses a priority the way Falco does: case-insensitive, with "info" accepted for
     * Informational.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Priority parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("info")) {
                return INFORMATIONAL;
            }
            for (Priority p : values()) {
                if (p.name().toLowerCase(Locale.ROOT).equals(n)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("unknown priority '" + name + "'; expected one of " + names());
    }

    /**
     * Reads a priority as Falco itself does ({@code falco_common::parse_priority}): one of the
     * eight names, or {@code Info} for Informational, compared ignoring ASCII case
     * ({@code strcasecmp}), and nothing else: no surrounding space, no other letter that some
     * alphabet folds to an ASCII one (Java's {@code equalsIgnoreCase} takes a dotless {@code ı} for
     * {@code I}). Unlike {@link #parse}, which reads the priorities in the sidekick's own settings.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Priority fromFalco(String name) {
        for (Priority p : values()) {
            if (asciiEqualsIgnoreCase(p.falcoName, name)) {
                return p;
            }
        }
        if (asciiEqualsIgnoreCase("Info", name)) {
            return INFORMATIONAL;
        }
        throw new IllegalArgumentException("unknown priority " + (name == null ? "null" : AlertText.quoted(name))
                + "; Falco's are " + names() + " (in any case, or Info), without spaces");
    }

    private static boolean asciiEqualsIgnoreCase(String expected, String given) {
        if (given == null || given.length() != expected.length()) {
            return false;
        }
        for (int i = 0; i < expected.length(); i++) {
            char a = expected.charAt(i);
            char b = given.charAt(i);
            if (a != b && !(b < 0x80 && Character.isLetter(b) && (a | 0x20) == (b | 0x20))) {
                return false;
            }
        }
        return true;
    }

    static String names() {
        return Arrays.stream(values()).map(Priority::falcoName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return falcoName;
    }
}
