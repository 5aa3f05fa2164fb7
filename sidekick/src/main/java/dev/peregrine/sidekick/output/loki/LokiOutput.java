package dev.peregrine.sidekick.output.loki;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.LabelNames;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Pushes each alert to Loki as one entry of one stream. Loki answers 204; 400 (a line too long,
 * too old, out of order for its stream) is permanent, 429 (rate limited) and 5xx are retried.
 */
final class LokiOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final LokiConfig config;
    private final URI push;
    private final boolean json;
    private final HttpSender http;
    private final Map<String, String> headers;
    private final List<String> fields;
    private final boolean falcosidekick;

    /**
     * @param fields the output fields that become labels
     * @param falcosidekick Falcosidekick's label names and values: '.' as '_', no brackets, no
     *     double quotes in values
     */
    LokiOutput(LokiConfig config, URI push, List<String> fields, boolean falcosidekick) {
        this.config = config;
        this.push = push;
        this.fields = List.copyOf(fields);
        this.falcosidekick = falcosidekick;
        this.json = config.format().equalsIgnoreCase("json");
        this.http = new HttpSender(config.timeout(), config.tls());
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        if (config.tenant() != null) {
            h.put("X-Scope-OrgID", config.tenant());
        }
        if (config.username() != null) {
            h.put("Authorization", HttpSender.basicAuth(config.username(), config.password()));
        }
        this.headers = Map.copyOf(h);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(IdempotencyKey.HEADER, alert.uuid());
        http.send("POST", push, h, "application/json", JSON.writeValueAsBytes(payload(alert)));
    }

    ObjectNode payload(Alert alert) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode stream = root.putArray("streams").addObject();
        labels(alert).forEach(stream.putObject("stream")::put);
        ArrayNode entry = stream.putArray("values").addArray();
        entry.add(nanos(alert.time()));
        entry.add(json ? new String(AlertJson.write(alert), StandardCharsets.UTF_8) : alert.output());
        return root;
    }

    /** Loki's timestamp: nanoseconds since the epoch, as a string. */
    static String nanos(Instant t) {
        return Long.toString(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano()));
    }

    /** Output field labels first, then the alert's own, then extra-labels: the later win. */
    Map<String, String> labels(Alert alert) {
        Map<String, String> labels = new TreeMap<>();
        for (String field : fields) {
            Object value = alert.outputFields().get(field);
            if (falcosidekick && value instanceof String text) {
                // Falcosidekick's Loki labels: text fields only, '.' as '_', brackets and quotes dropped.
                labels.put(field.replace('.', '_').replace("[", "").replace("]", ""), text.replace("\"", ""));
            } else if (value != null && !falcosidekick) {
                labels.put(
                        LabelNames.fromField(field),
                        value instanceof List<?> list
                                ? String.join(
                                        ",", list.stream().map(String::valueOf).toList())
                                : String.valueOf(value));
            }
        }
        labels.put("rule", alert.rule());
        labels.put("priority", alert.priority().falcoName());
        labels.put("source", alert.source());
        labels.put("hostname", alert.hostname());
        labels.put("tags", String.join(",", alert.tags()));
        labels.putAll(config.extraLabels());
        labels.values().removeIf(String::isEmpty); // Loki keeps no label with an empty value
        return labels;
    }

    @Override
    public void close() {
        http.close();
    }
}
