package dev.peregrine.sidekick.output.datadog;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert as one Datadog log. The intake answers 202; 400, 403 (a bad API key) and 413
 * are permanent, 408, 429 and 5xx retried.
 */
final class DatadogLogsOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DatadogLogsConfig config;
    private final URI endpoint;
    private final HttpSender http;
    private final boolean falcosidekick;

    /** @param falcosidekick Falcosidekick's log; Peregrine's adds the log's status (the priority) */
    DatadogLogsOutput(DatadogLogsConfig config, URI endpoint, boolean falcosidekick) {
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
                JSON.writeValueAsBytes(log(alert)));
    }

    /** Falcosidekick's newDatadogLogsPayload: empty values left out. */
    ObjectNode log(Alert alert) {
        ObjectNode l = JSON.createObjectNode();
        l.put("ddsource", "falco");
        if (!alert.hostname().isEmpty()) {
            l.put("hostname", alert.hostname());
        }
        if (config.service() != null && !config.service().isEmpty()) {
            l.put("service", config.service());
        }
        l.put("message", new String(AlertJson.write(alert), StandardCharsets.UTF_8));
        if (!alert.tags().isEmpty()) {
            l.put("ddtags", String.join(",", alert.tags()));
        }
        if (!falcosidekick) {
            // Datadog's log statuses include Falco's priorities, spelled in lower case.
            l.put("status", alert.priority().falcoName().toLowerCase(Locale.ROOT));
        }
        return l;
    }

    @Override
    public void close() {
        http.close();
    }
}
