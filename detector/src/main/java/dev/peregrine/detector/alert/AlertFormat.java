package dev.peregrine.detector.alert;

import dev.peregrine.detector.anomaly.Anomaly;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.field.OutputFormat;
import dev.peregrine.detector.rule.CompiledRule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Formats rule matches the way Falco does: the output line is "time: Priority rule-output" plus
 * the container/k8s suffix Falco appends by default, and the output fields are every field the
 * line shows. A match is formatted once; its {@link FalcoAlert} is then written as Falco JSON
 * and as the contract's message.
 */
public final class AlertFormat {
    /** Falco's default append_output with the container plugin's suggested fields. */
    public static final String SUGGESTED_SUFFIX = "container_id=%container.id container_name=%container.name "
            + "container_image_repository=%container.image.repository container_image_tag=%container.image.tag "
            + "k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name";

    private final String hostname;
    private final OutputFormat suffix;
    private final OutputFormat timePrefix;
    private final OutputFormat anomalyContext;

    /** The context fields of the event an anomaly alert carries beside its own {@code anomaly.*} fields. */
    public static final String ANOMALY_CONTEXT = "%proc.name %proc.cmdline %proc.pname %proc.exepath %user.name "
            + "%user.uid %container.id %container.name %container.image.repository %container.image.tag "
            + "%k8s.ns.name %k8s.pod.name";

    public AlertFormat(String hostname, boolean isoTime, boolean suggestedSuffix) {
        FieldCatalogue catalogue = FieldCatalogue.standard();
        this.hostname = hostname;
        this.suffix = suggestedSuffix ? OutputFormat.compile(SUGGESTED_SUFFIX, catalogue) : null;
        this.timePrefix = OutputFormat.compile(isoTime ? "%evt.time.iso8601" : "%evt.time", catalogue);
        this.anomalyContext = OutputFormat.compile(ANOMALY_CONTEXT, catalogue);
    }

    /**
     * The alert of an anomaly: {@code source: anomaly}, its kind's rule name, its explanation as
     * the output line (with the same time prefix and suffix), and as output fields the anomaly's
     * own ({@code anomaly.kind}, {@code .profile}, {@code .score}, {@code .feature}, {@code .value},
     * {@code .baseline}) and the context fields of its event.
     */
    public FalcoAlert format(Anomaly a) {
        Event e = a.event();
        StringBuilder sb = new StringBuilder();
        sb.append(timePrefix.format(e))
                .append(": ")
                .append(a.priority().display())
                .append(' ')
                .append(a.explanation());
        if (suffix != null) sb.append(' ').append(suffix.format(e));
        Map<String, Object> fields = new TreeMap<>();
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
        return new FalcoAlert(a.asRule(), e.ts, hostname, sb.toString(), Collections.unmodifiableMap(fields));
    }

    /** The alert of this match: its output line and output fields, formatted now. */
    public FalcoAlert format(CompiledRule rule, Event e) {
        return new FalcoAlert(rule, e.ts, hostname, output(rule, e), outputFields(rule, e));
    }

    /** The alert text, as in Falco's log line. */
    private String output(CompiledRule rule, Event e) {
        StringBuilder sb = new StringBuilder();
        sb.append(timePrefix.format(e))
                .append(": ")
                .append(rule.priority().display())
                .append(' ');
        sb.append(rule.outputFormat().format(e));
        if (suffix != null) sb.append(' ').append(suffix.format(e));
        return sb.toString();
    }

    private Map<String, Object> outputFields(CompiledRule rule, Event e) {
        Map<String, Object> fields = new TreeMap<>();
        List<OutputFormat.FieldRef> refs = new ArrayList<>(timePrefix.fields());
        refs.addAll(rule.outputFormat().fields());
        if (suffix != null) refs.addAll(suffix.fields());
        for (OutputFormat.FieldRef f : refs) fields.put(f.key(), OutputFormat.jsonValue(f.accessor(), e));
        return Collections.unmodifiableMap(fields);
    }
}
