package dev.peregrine.sidekick.dashboard.api;

import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.store.AlertQuery;
import dev.peregrine.sidekick.store.Dimension;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Query parameters to an {@link AlertQuery}, in both APIs' forms. Falcosidekick-UI's: one
 * comma-separated value per filter ({@code priority=warning,error}), {@code filter} for text,
 * {@code since}, and {@code null} meaning no value. Ours in addition: a parameter repeated for
 * several values (so values may contain commas), {@code min_priority}, {@code q}, {@code from} and
 * {@code until} (RFC 3339), {@code muted}, and the container, image, namespace and pod filters.
 */
final class AlertParams {
    private AlertParams() {}

    /**
     * @param splitCommas Falcosidekick-UI's form: each value is a comma-separated list
     * @throws IllegalArgumentException naming the parameter and the problem
     */
    static AlertQuery query(Map<String, String[]> params, boolean splitCommas, Clock clock) {
        AlertQuery q = AlertQuery.ALL;
        for (Dimension d : Dimension.values()) {
            Set<String> values = values(params, d.column(), splitCommas);
            if (d == Dimension.PRIORITY) {
                Set<Priority> priorities = EnumSet.noneOf(Priority.class);
                values.forEach(v -> priorities.add(priority("priority", v)));
                String min = one(params, "min_priority");
                if (min != null) {
                    Priority floor = priority("min_priority", min);
                    Set<Priority> atLeast = EnumSet.noneOf(Priority.class);
                    for (Priority p : Priority.values()) {
                        if (p.atLeast(floor) && (priorities.isEmpty() || priorities.contains(p))) {
                            atLeast.add(p);
                        }
                    }
                    if (atLeast.isEmpty()) {
                        throw new IllegalArgumentException(
                                "priority and min_priority: no priority is in the list and at least " + floor);
                    }
                    priorities.clear();
                    priorities.addAll(atLeast);
                }
                q = q.withPriorities(priorities);
            } else {
                q = q.with(d, values);
            }
        }
        String text = one(params, "q");
        q = q.withText(text != null ? text : one(params, "filter"));
        Instant from = time(params, "from");
        String since = one(params, "since");
        if (since != null && from == null) {
            from = clock.instant().minus(Since.parse(since));
        }
        q = q.between(from, time(params, "until"));
        String muted = one(params, "muted");
        if (muted != null) {
            q = q.withMuted(
                    switch (muted) {
                        case "true" -> true;
                        case "false" -> false;
                        default -> throw new IllegalArgumentException("muted: 'true' or 'false', not '" + muted + "'");
                    });
        }
        return q;
    }

    static Priority priority(String name, String value) {
        try {
            return Priority.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    /** The parameter's values, "null" and empty ones left out (Falcosidekick-UI's page sends "null"). */
    static Set<String> values(Map<String, String[]> params, String name, boolean splitCommas) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : params.getOrDefault(name, new String[0])) {
            List<String> parts = splitCommas ? Arrays.asList(v.split(",")) : List.of(v);
            for (String p : parts) {
                String t = p.strip();
                if (!t.isEmpty() && !t.equals("null")) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    static String one(Map<String, String[]> params, String name) {
        String[] v = params.get(name);
        if (v == null || v.length == 0 || v[0].isBlank() || v[0].equals("null")) {
            return null;
        }
        return v[0].strip();
    }

    static int integer(Map<String, String[]> params, String name, int fallback) {
        String v = one(params, name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + v + "' is not a number");
        }
    }

    private static Instant time(Map<String, String[]> params, String name) {
        String v = one(params, name);
        if (v == null) {
            return null;
        }
        try {
            return v.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(v)) : Instant.parse(v);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + ": '" + v + "' is not a time; use RFC 3339 (2026-12-06T10:00:00Z) or epoch milliseconds");
        }
    }
}
