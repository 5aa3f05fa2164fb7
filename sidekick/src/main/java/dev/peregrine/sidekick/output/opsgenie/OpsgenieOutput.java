package dev.peregrine.sidekick.output.opsgenie;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Creates an Opsgenie alert per alert. Opsgenie answers 202 (it processes the request later);
 * 401/403 (a bad key) and 422 (an invalid alert) are permanent, 429 and 5xx retried.
 */
final class OpsgenieOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final OpsgenieConfig config;
    private final URI endpoint;
    private final HttpSender http;
    private final boolean falcosidekick;

    /**
     * @param falcosidekick Falcosidekick's alert; Peregrine's has the hostname as entity, Peregrine
     *     as source, and the rule's tags as Opsgenie tags
     */
    OpsgenieOutput(OpsgenieConfig config, URI endpoint, boolean falcosidekick) {
        this.config = config;
        this.endpoint = endpoint;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), config.tls());
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                endpoint,
                Map.of("Authorization", "GenieKey " + config.apiKey(), IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(alert(alert)));
    }

    /** Falcosidekick's newOpsgeniePayload, with the uuid as alias. */
    ObjectNode alert(Alert alert) {
        ObjectNode a = JSON.createObjectNode();
        a.put("message", alert.output());
        a.put("alias", alert.uuid());
        a.put("entity", falcosidekick || alert.hostname().isEmpty() ? "Falcosidekick" : alert.hostname());
        a.put("description", alert.rule());
        ObjectNode details = a.putObject("details");
        alert.outputFields().forEach((k, v) -> {
            if (v instanceof String s) {
                details.put(k.replace('.', '_'), s);
            }
        });
        details.put("source", alert.source());
        details.put("rule", alert.rule());
        details.put("priority", alert.priority().falcoName());
        if (!alert.hostname().isEmpty()) {
            details.put("hostname", alert.hostname());
        }
        if (!alert.tags().isEmpty()) {
            details.put("tags", String.join(", ", alert.tags()));
        }
        a.put("priority", priority(alert));
        if (!falcosidekick) {
            a.put("source", "Peregrine");
            ArrayNode tags = a.putArray("tags");
            alert.tags().forEach(tags::add);
        }
        return a;
    }

    /** P1 for Emergency and Alert, P2 Critical, P3 Error, P4 Warning, P5 below, as Falcosidekick. */
    static String priority(Alert alert) {
        return switch (alert.priority()) {
            case EMERGENCY, ALERT -> "P1";
            case CRITICAL -> "P2";
            case ERROR -> "P3";
            case WARNING -> "P4";
            default -> "P5";
        };
    }

    @Override
    public void close() {
        http.close();
    }
}
