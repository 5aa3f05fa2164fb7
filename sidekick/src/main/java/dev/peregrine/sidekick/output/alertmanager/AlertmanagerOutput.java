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
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private final AlertmanagerConfig config;
    private final URI endpoint;
    private final Map<Priority, String> severity;
    private final boolean allFields;
    private final HttpSender http;
    private final Clock clock;

    AlertmanagerOutput(AlertmanagerConfig config, URI endpoint, Map<Priority, String> severity) {
        this.config = config;
        this.endpoint = endpoint;
        this.severity = Map.copyOf(severity);
        this.allFields = config.outputFields().contains("*");
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
        a.put("startsAt", AlertJson.formatTime(alert.time()));
        if (!config.expiresAfter().isZero()) {
            // From the alert's time, or from now if that is later: for an alert delivered at once
            // the same within milliseconds, and one that waited in the spool (Alertmanager was
            // down) does not arrive already resolved, which Alertmanager would never notify.
            // Prometheus, too, sets endsAt from the time it sends.
            Instant from = alert.time().isAfter(now) ? alert.time() : now;
            a.put("endsAt", AlertJson.formatTime(from.plus(config.expiresAfter())));
        }
        ArrayNode list = JSON.createArrayNode();
        list.add(a);
        return list;
    }

    /** Output fields first, so that the alert's own labels and then extra-labels win. */
    Map<String, String> labels(Alert alert) {
        Map<String, String> labels = new TreeMap<>();
        if (allFields) {
            alert.outputFields().forEach((name, value) -> {
                if (!name.startsWith("n_evts") && !(value instanceof List<?>)) {
                    putField(labels, name, value);
                }
            });
        } else {
            for (String name : config.outputFields()) {
                putField(labels, name, alert.outputFields().get(name));
            }
        }
        labels.put("source", "falco");
        labels.put("rule", alert.rule());
        labels.put("eventsource", alert.source());
        if (!alert.hostname().isEmpty()) {
            labels.put("hostname", alert.hostname());
        }
        if (!alert.tags().isEmpty()) {
            labels.put("tags", String.join(",", alert.tags()));
        }
        labels.put("priority", alert.priority().falcoName());
        labels.put("severity", severity.get(alert.priority()));
        labels.putAll(config.extraLabels());
        labels.values().removeIf(String::isEmpty); // an empty label is no label to Alertmanager
        return labels;
    }

    private static void putField(Map<String, String> labels, String name, Object value) {
        String label = LabelNames.fromField(name);
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
        annotations.put("uuid", alert.uuid());
        annotations.putAll(config.extraAnnotations());
        return annotations;
    }

    @Override
    public void close() {
        http.close();
    }
}
