package dev.peregrine.sidekick.output.alertmanager;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.LabelNames;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to Alertmanager's v2 API as a one-element list. Labels and annotations follow
 * Falcosidekick's alertmanager output; which output fields become labels is configurable.
 */
final class AlertmanagerOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Falcosidekick's default severity per priority. */
    static final Map<Priority, String> DEFAULT_SEVERITY = new EnumMap<>(Map.of(
            Priority.EMERGENCY, "critical",
            Priority.ALERT, "critical",
            Priority.CRITICAL, "critical",
            Priority.ERROR, "warning",
            Priority.WARNING, "warning",
            Priority.NOTICE, "information",
            Priority.INFORMATIONAL, "information",
            Priority.DEBUG, "information"));

    /**
     * How alerts become Alertmanager alerts.
     *
     * @param outputFields the fields that become labels, or {@code *} for all
     * @param expiresAfter how long after the alert {@code endsAt} is; zero for none
     * @param falcosidekick Falcosidekick's payload: no {@code startsAt} (Alertmanager takes the
     *     time it receives it) and no {@code uuid} annotation
     * @param dropThresholds drop counts, highest first, with the priority a count above raises to
     * @param dropDefault the priority a drop count above no threshold raises to
     */
    record Labelling(
            List<String> outputFields,
            Duration expiresAfter,
            boolean falcosidekick,
            SortedMap<Long, Priority> dropThresholds,
            Priority dropDefault) {}

    private final AlertmanagerConfig config;
    private final Labelling labelling;
    private final URI endpoint;
    private final Map<Priority, String> severity;
    private final boolean allFields;
    private final HttpSender http;
    private final Clock clock;

    AlertmanagerOutput(AlertmanagerConfig config, URI endpoint, Map<Priority, String> severity, Labelling labelling) {
        this.config = config;
        this.labelling = labelling;
        this.endpoint = endpoint;
        this.severity = Map.copyOf(severity);
        this.allFields = labelling.outputFields().contains("*");
        this.http = new HttpSender(config.timeout(), config.tls());
        this.clock = Clock.systemUTC();
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> headers = new LinkedHashMap<>(config.headers());
        headers.put(IdempotencyKey.HEADER, alert.uuid());
        http.send(
                "POST", endpoint, headers, "application/json", JSON.writeValueAsBytes(payload(alert, clock.instant())));
    }

    ArrayNode payload(Alert alert, Instant now) {
        ObjectNode a = JSON.createObjectNode();
        labels(alert).forEach(a.putObject("labels")::put);
        annotations(alert).forEach(a.putObject("annotations")::put);
        if (!labelling.falcosidekick()) {
            a.put("startsAt", AlertJson.formatTime(alert.time()));
        }
        if (!labelling.expiresAfter().isZero()) {
            // From the alert's time, or from now if that is later: for an alert delivered at once
            // the same within milliseconds, and one that waited in the spool (Alertmanager was
            // down) does not arrive already resolved, which Alertmanager would never notify.
            // Prometheus, too, sets endsAt from the time it sends.
            Instant from = alert.time().isAfter(now) ? alert.time() : now;
            a.put("endsAt", AlertJson.formatTime(from.plus(labelling.expiresAfter())));
        }
        ArrayNode list = JSON.createArrayNode();
        list.add(a);
        return list;
    }

    /** Output fields first, so that the alert's own labels and then extra-labels win. */
    Map<String, String> labels(Alert alert) {
        Map<String, String> labels = new TreeMap<>();
        Priority priority = alert.priority();
        if (allFields) {
            for (Map.Entry<String, Object> f : alert.outputFields().entrySet()) {
                String name = f.getKey();
                Object value = f.getValue();
                if (name.startsWith("n_evts")) {
                    continue; // a count that changes with every alert would make each a new one
                }
                if (name.startsWith("n_drop")) {
                    priority = dropCount(labels, name, value, priority);
                } else if (value instanceof String || value instanceof Number) {
                    putField(labels, name, value); // booleans, lists and <NA> are left out, as Falcosidekick
                }
            }
        } else {
            for (String name : labelling.outputFields()) {
                putField(labels, name, alert.outputFields().get(name));
            }
        }
        labels.put("source", "falco");
        labels.put("rule", alert.rule());
        // Prometheus' alerts all have it, and Alertmanager's group_by and templates key on it.
        labels.put("alertname", alert.rule());
        labels.put("eventsource", alert.source());
        if (!alert.hostname().isEmpty()) {
            labels.put("hostname", alert.hostname());
        }
        if (!alert.tags().isEmpty()) {
            labels.put("tags", String.join(",", alert.tags()));
        }
        labels.put("priority", priority.falcoName());
        labels.put("severity", severity.get(priority));
        labels.putAll(config.extraLabels());
        labels.values().removeIf(String::isEmpty); // an empty label is no label to Alertmanager
        return labels;
    }

    /**
     * Falco's syscall drop counts, as Falcosidekick labels them: a count above a threshold is
     * {@code >threshold} (labels keep few values) and raises the alert's priority; 0 raises it to
     * Warning at least.
     */
    private Priority dropCount(Map<String, String> labels, String name, Object value, Priority priority) {
        long count;
        try {
            count = Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            return priority; // not a count: no label, as Falcosidekick
        }
        String label = null;
        Priority raised = priority;
        if (count == 0) {
            raised = higher(priority, Priority.WARNING);
            label = "0";
        } else {
            for (Map.Entry<Long, Priority> t : labelling.dropThresholds().entrySet()) {
                if (count > t.getKey()) {
                    label = ">" + t.getKey();
                    raised = higher(priority, t.getValue());
                    break;
                }
            }
        }
        if (label == null) {
            label = Long.toString(count);
            raised = higher(priority, labelling.dropDefault());
        }
        labels.put(name, label);
        return raised;
    }

    private static Priority higher(Priority a, Priority b) {
        return a.atLeast(b) ? a : b;
    }

    private void putField(Map<String, String> labels, String name, Object value) {
        String label =
                labelling.falcosidekick() ? LabelNames.fromFieldAsFalcosidekick(name) : LabelNames.fromField(name);
        if (value == null || label.isEmpty()) {
            return; // Falco's <NA>: no label rather than a label saying nothing
        }
        String text = value instanceof List<?> list
                ? String.join(",", list.stream().map(String::valueOf).toList())
                : String.valueOf(value);
        labels.put(label, text);
    }

    Map<String, String> annotations(Alert alert) {
        Map<String, String> annotations = new TreeMap<>();
        annotations.put("summary", alert.rule());
        annotations.put("description", alert.output());
        annotations.put("info", alert.output());
        if (!labelling.falcosidekick()) {
            annotations.put("uuid", alert.uuid());
        }
        annotations.putAll(config.extraAnnotations());
        return annotations;
    }

    @Override
    public void close() {
        http.close();
    }
}
