package dev.peregrine.sidekick.output.azuremonitor;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert as one row to the Logs Ingestion API, with an OAuth 2.0 client-credentials
 * token kept until a minute before it expires. The API answers 204; 400 and 403 (no permission
 * on the rule) are permanent, a 401 drops the token and is retried, 413 permanent, 429 and 5xx
 * retried.
 */
final class AzureMonitorOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String SCOPE = "https://monitor.azure.com//.default";
    static final String API_VERSION = "2023-01-01";

    private final AzureMonitorConfig config;
    private final HttpSender http;
    private final URI tokenUri;
    private final URI ingestUri;
    private final Clock clock;
    private String token;
    private Instant tokenExpires = Instant.MIN;

    AzureMonitorOutput(AzureMonitorConfig config) {
        this(config, Clock.systemUTC());
    }

    AzureMonitorOutput(AzureMonitorConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.http = new HttpSender(config.timeout(), config.tls());
        this.tokenUri = URI.create(trim(config.authority()) + "/" + encode(config.tenantId()) + "/oauth2/v2.0/token");
        this.ingestUri = URI.create(trim(config.endpoint()) + "/dataCollectionRules/" + encode(config.ruleId())
                + "/streams/" + encode(config.stream()) + "?api-version=" + API_VERSION);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        String bearer = token();
        try {
            http.send(
                    "POST",
                    ingestUri,
                    Map.of("Authorization", "Bearer " + bearer, IdempotencyKey.HEADER, alert.uuid()),
                    "application/json",
                    JSON.writeValueAsBytes(rows(alert)));
        } catch (DeliveryException e) {
            if (e.getMessage().contains(" answered 401")) {
                // A token revoked or expired early: the next attempt fetches a new one.
                forgetToken();
                throw DeliveryException.retryable(e.getMessage(), e);
            }
            throw e;
        }
    }

    /** One row: the columns a custom table's DCR maps (TimeGenerated and the alert's fields). */
    static ArrayNode rows(Alert alert) {
        ArrayNode rows = JSON.createArrayNode();
        ObjectNode r = rows.addObject();
        r.put("TimeGenerated", AlertJson.formatTime(alert.time()));
        r.put("Rule", alert.rule());
        r.put("Priority", alert.priority().falcoName());
        r.put("Source", alert.source());
        r.put("Hostname", alert.hostname());
        r.put("Output", alert.output());
        r.set("Tags", JSON.valueToTree(alert.tags()));
        r.set("OutputFields", JSON.valueToTree(alert.outputFields()));
        r.put("Uuid", alert.uuid());
        return rows;
    }

    private synchronized String token() throws DeliveryException {
        Instant now = clock.instant();
        if (token != null && now.isBefore(tokenExpires.minusSeconds(60))) {
            return token;
        }
        String form = "grant_type=client_credentials&client_id=" + encode(config.clientId()) + "&client_secret="
                + encode(config.clientSecret()) + "&scope=" + encode(SCOPE);
        String answer = http.send(
                "POST", tokenUri, Map.of(), "application/x-www-form-urlencoded", form.getBytes(StandardCharsets.UTF_8));
        JsonNode json;
        try {
            json = JSON.readTree(answer);
        } catch (RuntimeException e) {
            throw DeliveryException.retryable("token endpoint " + tokenUri + " answered no JSON", e);
        }
        JsonNode access = json.get("access_token");
        if (access == null || access.stringValue() == null) {
            throw DeliveryException.retryable("token endpoint " + tokenUri + " answered no access_token", null);
        }
        token = access.stringValue();
        tokenExpires =
                now.plusSeconds(json.has("expires_in") ? json.get("expires_in").asLong() : 300);
        return token;
    }

    private synchronized void forgetToken() {
        token = null;
    }

    private static String trim(URI uri) {
        return uri.toString().replaceAll("/+$", "");
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        http.close();
    }
}
