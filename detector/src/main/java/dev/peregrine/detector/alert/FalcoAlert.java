package dev.peregrine.detector.alert;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.field.OutputFormat;
import dev.peregrine.detector.rule.CompiledRule;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds alerts the way Falco prints them with {@code json_output: true}: the output line is
 * "time: Priority rule-output" plus the container/k8s suffix Falco appends by default, and the JSON
 * document has Falco's keys in alphabetical order (output_fields and tags sorted too).
 */
public final class FalcoAlert {
    /** Falco's default append_output with the container plugin's suggested fields. */
    public static final String SUGGESTED_SUFFIX = "container_id=%container.id container_name=%container.name "
            + "container_image_repository=%container.image.repository container_image_tag=%container.image.tag "
            + "k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final String hostname;
    private final OutputFormat suffix;
    private final OutputFormat timePrefix;

    public FalcoAlert(String hostname, boolean isoTime, boolean suggestedSuffix) {
        FieldCatalogue catalogue = FieldCatalogue.standard();
        this.hostname = hostname;
        this.suffix = suggestedSuffix ? OutputFormat.compile(SUGGESTED_SUFFIX, catalogue) : null;
        this.timePrefix = OutputFormat.compile(isoTime ? "%evt.time.iso8601" : "%evt.time", catalogue);
    }

    /** The alert text, as in Falco's log line. */
    public String output(CompiledRule rule, Event e) {
        StringBuilder sb = new StringBuilder();
        sb.append(timePrefix.format(e))
                .append(": ")
                .append(rule.priority().display())
                .append(' ');
        sb.append(rule.outputFormat().format(e));
        if (suffix != null) sb.append(' ').append(suffix.format(e));
        return sb.toString();
    }

    public Map<String, Object> outputFields(CompiledRule rule, Event e) {
        Map<String, Object> fields = new TreeMap<>();
        List<OutputFormat.FieldRef> refs = new ArrayList<>(timePrefix.fields());
        refs.addAll(rule.outputFormat().fields());
        if (suffix != null) refs.addAll(suffix.fields());
        for (OutputFormat.FieldRef f : refs) fields.put(f.key(), OutputFormat.jsonValue(f.accessor(), e));
        return fields;
    }

    /** The alert as one line of Falco JSON. */
    public String json(CompiledRule rule, Event e) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("hostname", hostname);
        root.put("output", output(rule, e));
        ObjectNode fields = root.putObject("output_fields");
        outputFields(rule, e).forEach((k, v) -> {
            switch (v) {
                case null -> fields.putNull(k);
                case Long l -> fields.put(k, l);
                case Boolean b -> fields.put(k, b);
                default -> fields.put(k, v.toString());
            }
        });
        root.put("priority", rule.priority().display());
        root.put("rule", rule.name());
        root.put("source", rule.source());
        new TreeSet<>(rule.tags()).forEach(root.putArray("tags")::add);
        root.put("time", jsonTime(e.ts));
        return MAPPER.writeValueAsString(root);
    }

    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /**
     * The JSON "time" value. Falco always prints nine fraction digits (formats.cpp: ".%09luZ");
     * Instant.toString() would drop trailing zeros and break byte-for-byte equality.
     */
    static String jsonTime(long ts) {
        return SECONDS.format(Instant.ofEpochSecond(0, ts))
                + String.format(".%09dZ", Math.floorMod(ts, 1_000_000_000L));
    }
}
