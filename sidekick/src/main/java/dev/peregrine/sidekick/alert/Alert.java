package dev.peregrine.sidekick.alert;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One alert as the sidekick handles it from intake to outputs. Field for field what Falco
 * sends, plus the uuid every stage keys on and where it came from.
 *
 * @param outputFields values are String, Long, Double, Boolean, List&lt;String&gt; or null
 *     (Falco's missing value); sorted by key as Falco writes them
 * @param tags sorted, as Falco writes them
 * @param message optional (Falco's json_include_message_property), null when absent
 * @param origin the detector's identity (hostname, node, cluster) when it came from one
 */
public record Alert(
        String uuid,
        Instant time,
        String rule,
        Priority priority,
        String source,
        String output,
        SortedMap<String, Object> outputFields,
        List<String> tags,
        String hostname,
        String message,
        Map<String, String> origin) {

    public Alert {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(priority, "priority");
        source = source == null ? "" : source;
        output = output == null ? "" : output;
        outputFields = Collections.unmodifiableSortedMap(new TreeMap<>(outputFields == null ? Map.of() : outputFields));
        tags = tags == null ? List.of() : tags.stream().sorted().toList();
        hostname = hostname == null ? "" : hostname;
        origin = origin == null ? Map.of() : Map.copyOf(origin);
    }

    /** A copy with extra output fields, which win over existing ones of the same name. */
    public Alert withOutputFields(Map<String, ?> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        TreeMap<String, Object> fields = new TreeMap<>(outputFields);
        fields.putAll(extra);
        return new Alert(uuid, time, rule, priority, source, output, fields, tags, hostname, message, origin);
    }

    /** An output field as text, with Falco's "&lt;NA&gt;" for a missing value. */
    public String fieldText(String name) {
        Object v = outputFields.get(name);
        if (v == null) {
            return "<NA>";
        }
        if (v instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }
}
