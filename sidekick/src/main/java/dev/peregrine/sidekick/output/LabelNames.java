package dev.peregrine.sidekick.output;

import java.util.regex.Pattern;

/** Prometheus-style label names, as Alertmanager and Loki take them. */
public final class LabelNames {
    /** Prometheus' classic label name rule (Alertmanager 0.25's, Loki's). */
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private static final Pattern NOT_LABEL = Pattern.compile("[^a-zA-Z0-9_]+");

    private LabelNames() {}

    /** Whether {@code name} is a label name: letters, digits and '_', not starting with a digit. */
    public static boolean valid(String name) {
        return LABEL_NAME.matcher(name).matches();
    }

    /**
     * An output field's name as a label name: runs of characters a label name cannot have
     * become one '_', none at either end, and '_' before a leading digit; as Falcosidekick
     * ({@code proc.aname[2]} → {@code proc_aname_2}).
     */
    public static String fromField(String field) {
        String s = NOT_LABEL.matcher(field).replaceAll("_");
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '_') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '_') {
            end--;
        }
        s = s.substring(start, end);
        return !s.isEmpty() && Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }

    /**
     * An output field's name as Falcosidekick's Alertmanager output makes it a label: each
     * character a label name cannot have becomes '_', "__" then '_', none at either end
     * ({@code json.value[/user/extra/sessionName]} → {@code json_value_user_extra_sessionName}).
     * Unlike Falcosidekick, '_' goes before a leading digit: Alertmanager refuses an alert whose
     * label starts with one.
     */
    public static String fromFieldAsFalcosidekick(String field) {
        String s = field.replaceAll("[^a-zA-Z0-9_]", "_").replace("__", "_");
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '_') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '_') {
            end--;
        }
        s = s.substring(start, end);
        return !s.isEmpty() && Character.isDigit(s.charAt(0)) ? "_" + s : s;
    }
}
