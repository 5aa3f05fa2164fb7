package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Priority;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which stored alerts: every filter the dashboard and both APIs offer. Within one dimension the
 * values are alternatives (rule A or rule B), dimensions are combined (and); an empty set does not
 * filter.
 *
 * @param values per dimension, the accepted values (priorities by their Falco names)
 * @param text free text, every word must occur (as a word prefix) in the output or a field value
 * @param from inclusive; null: no lower bound
 * @param until exclusive; null: no upper bound
 * @param muted true: only muted alerts, false: none, null: both
 */
public record AlertQuery(Map<Dimension, Set<String>> values, String text, Instant from, Instant until, Boolean muted) {

    public static final AlertQuery ALL = new AlertQuery(Map.of(), null, null, null, null);

    public AlertQuery {
        Map<Dimension, Set<String>> copy = new EnumMap<>(Dimension.class);
        values.forEach((d, v) -> {
            if (!v.isEmpty()) {
                copy.put(d, Set.copyOf(new TreeSet<>(v)));
            }
        });
        values = Map.copyOf(copy);
        text = text == null || text.isBlank() ? null : text.strip();
    }

    public Set<String> of(Dimension d) {
        return values.getOrDefault(d, Set.of());
    }

    public AlertQuery with(Dimension d, Set<String> accepted) {
        Map<Dimension, Set<String>> v = new EnumMap<>(Dimension.class);
        v.putAll(values);
        v.put(d, accepted);
        return new AlertQuery(v, text, from, until, muted);
    }

    public AlertQuery withPriorities(Set<Priority> priorities) {
        Set<String> names = new TreeSet<>();
        priorities.forEach(p -> names.add(p.falcoName()));
        return with(Dimension.PRIORITY, names);
    }

    public AlertQuery withText(String t) {
        return new AlertQuery(values, t, from, until, muted);
    }

    public AlertQuery between(Instant f, Instant u) {
        return new AlertQuery(values, text, f, u, muted);
    }

    public AlertQuery withMuted(Boolean m) {
        return new AlertQuery(values, text, from, until, m);
    }
}
