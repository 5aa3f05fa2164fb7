package dev.peregrine.detector.alert;

import dev.peregrine.detector.anomaly.Anomaly;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.Priority;
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

    /** The context fields of the event an anomaly alert carries beside its own {@code anomaly.*} fields. */
    public static final String ANOMALY_CONTEXT = "%proc.name %proc.cmdline %proc.pname %proc.exepath %user.name "
            + "%user.uid %container.id %container.name %container.image.repository %container.image.tag "
            + "%k8s.ns.name %k8s.pod.name";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final String hostname;
    private final boolean isoTime;
    private final OutputFormat suffix;
    private final OutputFormat timePrefix;
    private final OutputFormat anomalyContext;

    public FalcoAlert(String hostname, boolean isoTime, boolean suggestedSuffix) {
        FieldCatalogue catalogue = FieldCatalogue.standard();
        this.hostname = hostname;
        this.isoTime = isoTime;
        this.suffix = suggestedSuffix ? OutputFormat.compile(SUGGESTED_SUFFIX, catalogue) : null;
        this.timePrefix = OutputFormat.compile(isoTime ? "%evt.time.iso8601" : "%evt.time", catalogue);
        this.anomalyContext = OutputFormat.compile(ANOMALY_CONTEXT, catalogue);
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
        return json(
                rule.name(), rule.priority(), rule.source(), rule.tags(), output(rule, e), outputFields(rule, e), e.ts);
    }

    /** An anomaly's alert text: its explanation where a rule has its output. */
    public String output(Anomaly a) {
        StringBuilder sb = new StringBuilder();
        sb.append(timePrefix.format(a.event()))
                .append(": ")
                .append(a.priority().display())
                .append(' ')
                .append(a.explanation());
        if (suffix != null) sb.append(' ').append(suffix.format(a.event()));
        return sb.toString();
    }

    /** The anomaly's own fields ({@code anomaly.*}) and the context fields of its event. */
    public Map<String, Object> outputFields(Anomaly a) {
        Map<String, Object> fields = new TreeMap<>();
        Event e = a.event();
        List<OutputFormat.FieldRef> refs = new ArrayList<>(timePrefix.fields());
        refs.addAll(anomalyContext.fields());
        if (suffix != null) refs.addAll(suffix.fields());
        for (OutputFormat.FieldRef f : refs) fields.put(f.key(), OutputFormat.jsonValue(f.accessor(), e));
        fields.put("anomaly.kind", a.kind().id);
        fields.put("anomaly.profile", a.profile());
        fields.put("anomaly.score", Math.round(a.score() * 1000) / 1000.0);
        fields.put("anomaly.feature", a.kind().noun);
        fields.put("anomaly.value", a.value());
        fields.put("anomaly.baseline", a.baseline());
        return fields;
    }

    /** The anomaly as one line of Falco JSON, {@code source: anomaly}. */
    public String json(Anomaly a) {
        return json(
                a.rule(),
                a.priority(),
                Anomaly.SOURCE,
                List.of("anomaly", a.kind().id),
                output(a),
                outputFields(a),
                a.event().ts);
    }

    private String json(
            String rule,
            Priority priority,
            String source,
            List<String> tags,
            String output,
            Map<String, Object> outputFields,
            long ts) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("hostname", hostname);
        root.put("output", output);
        ObjectNode fields = root.putObject("output_fields");
        outputFields.forEach((k, v) -> {
            switch (v) {
                case null -> fields.putNull(k);
                case Long l -> fields.put(k, l);
                case Double d -> fields.put(k, d);
                case Boolean b -> fields.put(k, b);
                default -> fields.put(k, v.toString());
            }
        });
        root.put("priority", priority.display());
        root.put("rule", rule);
        root.put("source", source);
        new TreeSet<>(tags).forEach(root.putArray("tags")::add);
        root.put("time", jsonTime(ts));
        return MAPPER.writeValueAsString(root);
    }

    public boolean isoTime() {
        return isoTime;
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
