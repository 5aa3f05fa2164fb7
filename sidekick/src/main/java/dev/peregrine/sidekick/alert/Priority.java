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
    /** Falcosidekick's number for it (Debug 1 ... Emergency 8), its metrics' priority label since 2.30. */
    public int falcosidekickLevel() {
        return values().length - ordinal();
    }

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

    static String names() {
        return Arrays.stream(values()).map(Priority::falcoName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return falcoName;
    }
}
