package dev.peregrine.sidekick.config;

import java.util.List;

/** Configuration that cannot work; stops startup. Each problem names its full key. */
public class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("Invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String key, String reason) {
        this(List.of(key + ": " + reason));
    }

    /** "full.key: reason" lines. */
    public List<String> problems() {
        return problems;
    }
}
