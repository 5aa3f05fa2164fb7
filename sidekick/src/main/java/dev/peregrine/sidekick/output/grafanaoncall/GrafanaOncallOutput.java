package dev.peregrine.sidekick.output.grafanaoncall;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to the integration. OnCall answers 200; 400 and 403/404 (a deleted
 * integration) are permanent, 429 and 5xx retried.
 */
final class GrafanaOncallOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final GrafanaOncallConfig config;
    private final HttpSender http;
    private final boolean falcosidekick;

    /** @param falcosidekick Falcosidekick's alert; Peregrine's adds the alert's fields, for OnCall's templates */
    GrafanaOncallOutput(GrafanaOncallConfig config, boolean falcosidekick) {
        this.config = config;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), config.tls());
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        h.put(IdempotencyKey.HEADER, alert.uuid());
        http.send("POST", config.webhookUrl(), h, "application/json", JSON.writeValueAsBytes(alert(alert)));
    }

    /** Falcosidekick's newGrafanaOnCallPayload. */
    ObjectNode alert(Alert alert) {
        ObjectNode a = JSON.createObjectNode();
        a.put("alert_uid", alert.uuid());
        a.put("state", "alerting");
        a.put("title", "[" + alert.priority().falcoName() + "] " + alert.rule());
        a.put("message", alert.output());
        if (!falcosidekick) {
            // The formatted webhook keeps any other key in the alert's payload, for its templates.
            a.put("rule", alert.rule());
            a.put("priority", alert.priority().falcoName());
            a.put("source", alert.source());
            a.put("hostname", alert.hostname());
            a.set("tags", JSON.valueToTree(alert.tags()));
            a.set("output_fields", JSON.valueToTree(alert.outputFields()));
        }
        return a;
    }

    @Override
    public void close() {
        http.close();
    }
}
