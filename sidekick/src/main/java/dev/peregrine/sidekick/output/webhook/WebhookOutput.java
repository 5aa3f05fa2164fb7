package dev.peregrine.sidekick.output.webhook;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SpooledAlert;
import java.util.LinkedHashMap;
import java.util.Map;

/** Sends each alert as Falco JSON (with its uuid), the body Falcosidekick's webhook sends. */
final class WebhookOutput implements Output {
    private final WebhookConfig config;
    private final HttpSender http;
    private final Map<String, String> headers;

    WebhookOutput(WebhookConfig config) {
        this.config = config;
        this.http = new HttpSender(config.timeout(), config.tls());
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        if (config.username() != null) {
            h.put("Authorization", HttpSender.basicAuth(config.username(), config.password()));
        } else if (config.bearerToken() != null) {
            h.put("Authorization", "Bearer " + config.bearerToken());
        }
        this.headers = Map.copyOf(h);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        send(alert.uuid(), AlertJson.write(alert));
    }

    @Override
    public void send(SpooledAlert alert) throws DeliveryException {
        send(alert.uuid(), alert.json());
    }

    private void send(String uuid, byte[] falcoJson) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(IdempotencyKey.HEADER, uuid);
        http.send(config.method(), config.url(), h, "application/json", falcoJson);
    }

    @Override
    public void close() {
        http.close();
    }
}
