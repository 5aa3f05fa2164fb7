package dev.peregrine.sidekick.dedup;

import dev.peregrine.sidekick.alert.Alert;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * An ordered list of alert fields whose values, together, identify "the same alert" (dedup) or
 * a bucket of a group summary. Parsed once at startup from configuration.
 */
public record AlertKey(List<String> names, List<Function<Alert, String>> extractors) {

    /** Falco field names: class.field[.more], optionally with an argument, e.g. proc.aname[2]. */
    private static final Pattern FALCO_FIELD = Pattern.compile("[a-z][a-z0-9_]*(\\.[A-Za-z0-9_]+)+(\\[[^\\]\\s]+\\])?");

    private static final String FIELDS_PREFIX = "output_fields.";
    private static final char SEPARATOR = '\u001f';

    static final String EXPECTED = "expected rule, priority, hostname, source, output, tags, a Falco output field"
            + " (container.id, proc.aname[2]) or output_fields.<name>";

    public AlertKey {
        names = List.copyOf(names);
        extractors = List.copyOf(extractors);
    }

    /**
     * Parses configured key entries.
     *
     * @param key the full configuration key of the list, for messages ("peregrine.dedup.key")
     * @param problems where "full.key[i]: reason" lines go
     * @return null when there were problems
     */
    static AlertKey parse(String key, List<String> entries, List<String> problems) {
        if (entries.isEmpty()) {
            problems.add(key + ": must name at least one field; " + EXPECTED);
            return null;
        }
        int before = problems.size();
        List<String> names = new ArrayList<>();
        List<Function<Alert, String>> extractors = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String raw = entries.get(i) == null ? "" : entries.get(i).trim();
            Function<Alert, String> f = extractor(raw);
            if (f == null) {
                problems.add(key + "[" + i + "]: unknown key field '" + raw + "'; " + EXPECTED);
            } else {
                names.add(raw);
                extractors.add(f);
            }
        }
        return problems.size() > before ? null : new AlertKey(names, extractors);
    }

    private static Function<Alert, String> extractor(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "rule" -> {
                return Alert::rule;
            }
            case "priority" -> {
                return a -> a.priority().falcoName();
            }
            case "hostname" -> {
                return Alert::hostname;
            }
            case "source" -> {
                return Alert::source;
            }
            case "output" -> {
                return Alert::output;
            }
            case "tags" -> {
                return a -> String.join(",", a.tags());
            }
            default -> {
                /* a field, below */
            }
        }
        if (name.startsWith(FIELDS_PREFIX) && name.length() > FIELDS_PREFIX.length()) {
            String field = name.substring(FIELDS_PREFIX.length());
            return a -> a.fieldText(field);
        }
        if (FALCO_FIELD.matcher(name).matches()) {
            return a -> a.fieldText(name);
        }
        return null;
    }

    /** The values of this key's fields in {@code alert}, in order. */
    public List<String> values(Alert alert) {
        List<String> values = new ArrayList<>(extractors.size());
        for (Function<Alert, String> f : extractors) {
            values.add(f.apply(alert));
        }
        return values;
    }

    /** One string identifying the values (the separator character inside a value becomes a space). */
    public String of(Alert alert) {
        StringBuilder b = new StringBuilder();
        for (Function<Alert, String> f : extractors) {
            if (!b.isEmpty()) {
                b.append(SEPARATOR);
            }
            b.append(f.apply(alert).replace(SEPARATOR, ' '));
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return String.join(",", names);
    }
}
