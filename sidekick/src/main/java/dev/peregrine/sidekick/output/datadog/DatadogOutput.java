package dev.peregrine.sidekick.output.datadog;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert as a Datadog event. Datadog answers 202; 400 and 403 (a bad API key) are
 * permanent, 429 and 5xx retried.
 */
final class DatadogOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DatadogConfig config;
    private final URI endpoint;
    private final HttpSender http;
    private final boolean falcosidekick;

    /** @param falcosidekick Falcosidekick's event; Peregrine's adds the alert's time and host */
    DatadogOutput(DatadogConfig config, URI endpoint, boolean falcosidekick) {
        this.config = config;
        this.endpoint = endpoint;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), config.tls());
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                endpoint,
                Map.of("DD-API-KEY", config.apiKey(), IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(event(alert)));
    }

    /** Falcosidekick's newDatadogPayload. */
    ObjectNode event(Alert alert) {
        ObjectNode e = JSON.createObjectNode();
        e.put("title", alert.rule());
        e.put("text", alert.output());
        e.put("alert_type", alertType(alert));
        e.put("source_type_name", "falco");
        ArrayNode tags = e.putArray("tags");
        tags(alert).forEach(tags::add);
        if (!falcosidekick) {
            e.put("date_happened", alert.time().getEpochSecond());
            if (!alert.hostname().isEmpty()) {
                e.put("host", alert.hostname());
            }
        }
        return e;
    }

    /** error for Error and above, warning, info for the rest, as Falcosidekick. */
    private static String alertType(Alert alert) {
        return switch (alert.priority()) {
            case EMERGENCY, ALERT, CRITICAL, ERROR -> "error";
            case WARNING -> "warning";
            default -> "info";
        };
    }

    /**
     * Text output fields as {@code name:value} (sorted; numbers and lists are left out, as
     * Falcosidekick does), {@code source:<source>}, {@code source:falco}, the hostname, the rule's tags.
     */
    static List<String> tags(Alert alert) {
        List<String> tags = new ArrayList<>();
        alert.outputFields().forEach((k, v) -> {
            if (v instanceof String s) {
                tags.add(k + ":" + s);
            }
        });
        tags.add("source:" + alert.source());
        tags.add("source:falco");
        if (!alert.hostname().isEmpty()) {
            tags.add("hostname:" + alert.hostname());
        }
        tags.addAll(alert.tags());
        return tags;
    }

    @Override
    public void close() {
        http.close();
    }
}
