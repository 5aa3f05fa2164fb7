package dev.peregrine.sidekick.output.otlp;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert as an OTLP/JSON {@code ExportLogsServiceRequest}. A collector answers 200;
 * 400 is permanent, 429, 502, 503, 504 retried (OTLP/HTTP's retryable codes), and so are the
 * other 5xx.
 */
final class OtlpLogsOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** OpenTelemetry's severity numbers by Falco priority (Peregrine's payloads). */
    static final Map<Priority, Integer> SEVERITY = new EnumMap<>(Map.of(
            Priority.EMERGENCY, 21,
            Priority.ALERT, 19,
            Priority.CRITICAL, 18,
            Priority.ERROR, 17,
            Priority.WARNING, 13,
            Priority.NOTICE, 10,
            Priority.INFORMATIONAL, 9,
            Priority.DEBUG, 5));

    private final OtlpLogsConfig config;
    private final HttpSender http;
    private final boolean falcosidekick;

    /**
     * @param falcosidekick Falcosidekick's record (an slog Info: severity INFO for every alert);
     *     Peregrine's has the priority's severity and every output field as an attribute
     */
    OtlpLogsOutput(OtlpLogsConfig config, boolean falcosidekick) {
        this.config = config;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), config.tls());
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        h.put(IdempotencyKey.HEADER, alert.uuid());
        http.send("POST", config.url(), h, "application/json", JSON.writeValueAsBytes(request(alert, Instant.now())));
    }

    /** OTLP/JSON: 64-bit integers as decimal strings, enums as numbers, lowerCamelCase keys. */
    ObjectNode request(Alert alert, Instant observed) {
        ObjectNode req = JSON.createObjectNode();
        ObjectNode resourceLogs = req.putArray("resourceLogs").addObject();
        ArrayNode resource = resourceLogs.putObject("resource").putArray("attributes");
        attribute(resource, "service.name", "falco");
        ObjectNode scopeLogs = resourceLogs.putArray("scopeLogs").addObject();
        scopeLogs.putObject("scope").put("name", "falco");
        ObjectNode r = scopeLogs.putArray("logRecords").addObject();
        r.put("timeUnixNano", nanos(alert.time()));
        r.put("observedTimeUnixNano", nanos(observed));
        r.put("severityNumber", falcosidekick ? 9 : SEVERITY.get(alert.priority()));
        r.put("severityText", falcosidekick ? "INFO" : alert.priority().falcoName());
        r.putObject("body").put("stringValue", alert.output());
        ArrayNode a = r.putArray("attributes");
        attribute(a, "priority", alert.priority().falcoName());
        attribute(a, "source", alert.source());
        attribute(a, "rule", alert.rule());
        attribute(a, "hostname", alert.hostname());
        attribute(a, "tags", String.join(",", alert.tags()));
        attribute(a, "timestamp", AlertTemplate.GO_TIME.format(alert.time()));
        if (!falcosidekick) {
            attribute(a, "uuid", alert.uuid());
            alert.outputFields().forEach((k, v) -> {
                if (v instanceof String s) {
                    attribute(a, k, s);
                } else if (v instanceof Long l) {
                    a.addObject().put("key", k).putObject("value").put("intValue", l.toString());
                } else if (v instanceof Double d) {
                    a.addObject().put("key", k).putObject("value").put("doubleValue", d);
                } else if (v instanceof Boolean b) {
                    a.addObject().put("key", k).putObject("value").put("boolValue", b);
                } else if (v instanceof List<?> list) {
                    ArrayNode values = a.addObject()
                            .put("key", k)
                            .putObject("value")
                            .putObject("arrayValue")
                            .putArray("values");
                    list.forEach(item -> values.addObject().put("stringValue", String.valueOf(item)));
                }
            });
        }
        return req;
    }

    private static void attribute(ArrayNode attributes, String key, String value) {
        attributes.addObject().put("key", key).putObject("value").put("stringValue", value);
    }

    private static String nanos(Instant t) {
        return Long.toString(t.getEpochSecond() * 1_000_000_000L + t.getNano());
    }

    @Override
    public void close() {
        http.close();
    }
}
