package dev.peregrine.sidekick.output.elasticsearch;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Indexes each alert through the bulk API as a {@code create} of the document whose {@code _id} is
 * the alert's uuid. A redelivered alert (delivery is at least once) is then refused by
 * Elasticsearch with 409, which means it is there already: delivered, not duplicated. The bulk
 * API answers 200 even when the document was not indexed, so the item's own status decides.
 */
final class ElasticsearchOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String NDJSON = "application/x-ndjson";

    private final ElasticsearchConfig config;
    private final URI endpoint;
    private final DateTimeFormatter suffix;
    private final HttpSender http;
    private final Map<String, String> headers;

    ElasticsearchOutput(ElasticsearchConfig config, URI endpoint) {
        this.config = config;
        this.endpoint = endpoint;
        this.suffix = switch (config.suffix().toLowerCase(Locale.ROOT)) {
            case "none" -> null;
            case "monthly" ->
                DateTimeFormatter.ofPattern("uuuu.MM", Locale.ROOT).withZone(ZoneOffset.UTC);
            case "annually" -> DateTimeFormatter.ofPattern("uuuu", Locale.ROOT).withZone(ZoneOffset.UTC);
            default -> DateTimeFormatter.ofPattern("uuuu.MM.dd", Locale.ROOT).withZone(ZoneOffset.UTC);
        };
        this.http = new HttpSender(config.timeout(), config.tls());
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        if (config.username() != null) {
            h.put("Authorization", HttpSender.basicAuth(config.username(), config.password()));
        } else if (config.apiKey() != null) {
            h.put("Authorization", "ApiKey " + config.apiKey());
        }
        this.headers = Map.copyOf(h);
    }

    /** The index for an alert: by its own date, so a redelivery goes where the first delivery went. */
    String index(Alert alert) {
        return suffix == null ? config.index() : config.index() + "-" + suffix.format(alert.time());
    }

    /** The bulk request: the action line and the document, each ending with a newline. */
    byte[] body(Alert alert) {
        ByteArrayOutputStream out =
                new ByteArrayOutputStream(1024 + alert.output().length() * 2);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectPropertyStart("create");
            g.writeStringProperty("_index", index(alert));
            g.writeStringProperty("_id", alert.uuid());
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write('\n');
        out.writeBytes(AlertJson.write(config.flattenFields() ? flatten(alert) : alert));
        out.write('\n');
        return out.toByteArray();
    }

    private static Alert flatten(Alert alert) {
        TreeMap<String, Object> fields = new TreeMap<>();
        alert.outputFields().forEach((k, v) -> fields.put(k.replace('.', '_'), v));
        return new Alert(
                alert.uuid(),
                alert.time(),
                alert.rule(),
                alert.priority(),
                alert.source(),
                alert.output(),
                fields,
                alert.tags(),
                alert.hostname(),
                alert.message(),
                alert.origin());
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(IdempotencyKey.HEADER, alert.uuid());
        String answer = http.send("POST", endpoint, h, NDJSON, body(alert));
        check(alert, answer);
    }

    /** Reads the bulk answer: {@code errors} and the one item's status. */
    private void check(Alert alert, String answer) throws DeliveryException {
        String where = "POST " + endpoint;
        JsonNode root;
        try {
            root = JSON.readTree(answer);
        } catch (JacksonException e) {
            throw DeliveryException.retryable(where + ": not a bulk answer: " + abbreviate(answer), e);
        }
        if (root == null || !root.isObject() || !root.has("errors")) {
            throw DeliveryException.retryable(where + ": not a bulk answer: " + abbreviate(answer), null);
        }
        if (!root.get("errors").asBoolean()) {
            return;
        }
        JsonNode item = root.path("items").path(0).path("create");
        int status = item.path("status").asInt(0);
        if (status == 409) {
            return; // a document with this uuid exists: an earlier delivery of this alert got there
        }
        JsonNode error = item.path("error");
        String message = where + ": " + index(alert) + "/" + alert.uuid() + " answered " + status + ": "
                + error.path("type").asString("") + " "
                + abbreviate(error.path("reason").asString(""));
        if (status == 429 || status >= 500 || status == 0) {
            throw DeliveryException.retryable(message, null);
        }
        throw DeliveryException.permanent(message);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    @Override
    public void close() {
        http.close();
    }
}
