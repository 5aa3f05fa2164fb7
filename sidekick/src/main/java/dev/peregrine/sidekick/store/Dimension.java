package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Alert;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What alerts can be filtered and counted by. Each has its own indexed column ({@code tags} its own
 * table: an alert has several); the container, image, namespace and pod come from Falco's output
 * fields, empty when the alert has none.
 */
public enum Dimension {
    PRIORITY("priority"),
    RULE("rule"),
    SOURCE("source"),
    HOSTNAME("hostname"),
    TAGS("tags"),
    CONTAINER("container"),
    IMAGE("image"),
    NAMESPACE("namespace"),
    POD("pod");

    private final String column;

    Dimension(String column) {
        this.column = column;
    }

    /** The column in the alerts table, also the name in the APIs. */
    public String column() {
        return column;
    }

    public static Optional<Dimension> named(String name) {
        return Arrays.stream(values())
                .filter(d -> d.column.equals(name.toLowerCase(Locale.ROOT)))
                .findFirst();
    }

    /** This dimension's value on {@code alert} ("" when it has none); not for PRIORITY and TAGS. */
    String of(Alert alert) {
        return switch (this) {
            case RULE -> alert.rule();
            case SOURCE -> alert.source();
            case HOSTNAME -> alert.hostname();
            case CONTAINER -> field(alert, "container.name", "container.id");
            case IMAGE -> field(alert, "container.image.repository", null);
            case NAMESPACE -> field(alert, "k8s.ns.name", null);
            case POD -> field(alert, "k8s.pod.name", null);
            case PRIORITY, TAGS -> throw new IllegalArgumentException(this + " is not a text column");
        };
    }

    private static String field(Alert alert, String name, String fallback) {
        Object v = alert.outputFields().get(name);
        if ((v == null || v.toString().isEmpty()) && fallback != null) {
            v = alert.outputFields().get(fallback);
        }
        return v == null || v.equals("<NA>") ? "" : v.toString();
    }
}
