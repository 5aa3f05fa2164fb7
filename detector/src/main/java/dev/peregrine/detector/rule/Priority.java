package dev.peregrine.detector.rule;

import java.util.Locale;
import java.util.Optional;

/** Falco's priorities, most severe first; names parse case-insensitively with Falco's aliases. */
public enum Priority {
    EMERGENCY("Emergency"),
    ALERT("Alert"),
    CRITICAL("Critical"),
    ERROR("Error"),
    WARNING("Warning"),
    NOTICE("Notice"),
    INFORMATIONAL("Informational"),
    DEBUG("Debug");

    private final String display;

    Priority(String display) {
        this.display = display;
    }

    /** The name Falco prints in outputs and JSON alerts. */
    public String display() {
        return display;
    }

    public static Optional<Priority> parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "emergency" -> Optional.of(EMERGENCY);
            case "alert" -> Optional.of(ALERT);
            case "critical" -> Optional.of(CRITICAL);
            case "error" -> Optional.of(ERROR);
            case "warning" -> Optional.of(WARNING);
            case "notice" -> Optional.of(NOTICE);
            case "informational", "info" -> Optional.of(INFORMATIONAL);
            case "debug" -> Optional.of(DEBUG);
            default -> Optional.empty();
        };
    }
}
