package dev.peregrine.sidekick.output.splunk;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SpooledAlert;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Posts {@code {"event": <Falco's JSON>, "sourcetype": "falcosidekick"}} to the collector. The
 * event is the spooled JSON as it is, never re-encoded. HEC answers 200 with {@code {"code":0}};
 * 400 (a malformed event, an unknown index) and 401/403 (a bad token) are permanent, 503 (the
 * collector's queue full) and the other 5xx retried.
 */
final class SplunkOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SplunkConfig config;
    private final HttpSender http;
    private final Map<String, String> headers;
    private final boolean falcosidekick;

    /** @param falcosidekick Falcosidekick's event: no {@code time} and {@code host} of the alert's */
    SplunkOutput(SplunkConfig config, boolean falcosidekick) {
        this.config = config;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), config.tls());
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        if (config.token() != null && !config.token().isBlank()) {
            h.put("Authorization", "Splunk " + config.token());
        }
        this.headers = Map.copyOf(h);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        post(alert.uuid(), event(AlertJson.write(alert), alert));
    }

    @Override
    public void send(SpooledAlert alert) throws DeliveryException {
        post(alert.uuid(), event(alert.json(), falcosidekick ? null : alert.alert()));
    }

    /**
     * The HEC event around Falco's JSON.
     *
     * @param alert the parsed alert, for Peregrine's {@code time} and {@code host}; null with
     *     Falcosidekick's payloads
     */
    byte[] event(byte[] falcoJson, Alert alert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(falcoJson.length + 128);
        out.writeBytes("{\"event\":".getBytes(StandardCharsets.UTF_8));
        out.writeBytes(falcoJson);
        property(out, "sourcetype", config.sourceType());
        if (config.index() != null && !config.index().isBlank()) {
            property(out, "index", config.index());
        }
        if (config.source() != null && !config.source().isBlank()) {
            property(out, "source", config.source());
        }
        if (!falcosidekick && alert != null) {
            // HEC's time: epoch seconds with a fraction; Splunk indexes the event at Falco's time.
            BigDecimal seconds = BigDecimal.valueOf(alert.time().getEpochSecond())
                    .add(BigDecimal.valueOf(alert.time().getNano(), 9))
                    .stripTrailingZeros();
            out.writeBytes((",\"time\":" + seconds.toPlainString()).getBytes(StandardCharsets.UTF_8));
            if (!alert.hostname().isEmpty()) {
                property(out, "host", alert.hostname());
            }
        }
        out.write('}');
        return out.toByteArray();
    }

    private static void property(ByteArrayOutputStream out, String name, String value) {
        out.writeBytes(("," + JSON.writeValueAsString(name) + ":" + JSON.writeValueAsString(value))
                .getBytes(StandardCharsets.UTF_8));
    }

    private void post(String uuid, byte[] body) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(IdempotencyKey.HEADER, uuid);
        http.send("POST", config.url(), h, "application/json", body);
    }

    @Override
    public void close() {
        http.close();
    }
}
