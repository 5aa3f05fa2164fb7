package dev.peregrine.sidekick.output.azuremonitor;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Against a loopback server playing Microsoft Entra's token endpoint and the Logs Ingestion API,
 * each checking its request as documented (client credentials form; bearer token, api-version,
 * a JSON array of rows).
 */
class AzureMonitorOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    static final String TOKEN_PATH = "/tenant-1/oauth2/v2.0/token";
    static final String INGESTION_PATH = "/dataCollectionRules/";

    final RecordingHttpServer server = new RecordingHttpServer();
    final AtomicInteger ingestStatus = new AtomicInteger(204);
    final AtomicInteger issued = new AtomicInteger();

    @BeforeEach
    void start() {
        server.respond(r -> r.path().startsWith(TOKEN_PATH)
                ? new RecordingHttpServer.Answer(
                        200,
                        "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok-"
                                + issued.incrementAndGet() + "\"}")
                : new RecordingHttpServer.Answer(r.path().startsWith(INGESTION_PATH) ? ingestStatus.get() : 404, ""));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    List<RecordingHttpServer.Request> tokens() {
        return server.received(TOKEN_PATH);
    }

    List<RecordingHttpServer.Request> ingested() {
        return server.received(INGESTION_PATH);
    }

    Map<String, Object> settings() {
        String base = server.base().toString();
        return Map.of(
                "peregrine.outputs.az.type", "azure-monitor",
                "peregrine.outputs.az.tenant-id", "tenant-1",
                "peregrine.outputs.az.client-id", "app-1",
                "peregrine.outputs.az.client-secret", "s3cr+t",
                "peregrine.outputs.az.endpoint", base + "/",
                "peregrine.outputs.az.rule-id", "dcr-0123456789abcdef",
                "peregrine.outputs.az.authority", base);
    }

    @Test
    void oneTokenForManyAlertsEachARowOfTheStream() throws Exception {
        Alert alert = SampleAlerts.alert(2);
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
            out.send(SampleAlerts.alert(0));
        }
        assertThat(tokens()).hasSize(1);
        RecordingHttpServer.Request t = tokens().getFirst();
        assertThat(t.header("Content-Type")).startsWith("application/x-www-form-urlencoded");
        Map<String, String> form = new java.util.HashMap<>();
        for (String pair : t.body().split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        assertThat(form)
                .containsEntry("grant_type", "client_credentials")
                .containsEntry("client_id", "app-1")
                .containsEntry("client_secret", "s3cr+t")
                .containsEntry("scope", "https://monitor.azure.com//.default");

        assertThat(ingested()).hasSize(2);
        RecordingHttpServer.Request r = ingested().getFirst();
        assertThat(r.path()).isEqualTo("/dataCollectionRules/dcr-0123456789abcdef/streams/Custom-FalcoAlerts_CL");
        assertThat(r.query()).isEqualTo("api-version=2023-01-01");
        assertThat(r.header("Authorization")).isEqualTo("Bearer tok-1");
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode rows = JSON.readTree(r.body());
        assertThat(rows.isArray()).isTrue();
        assertThat(rows).hasSize(1);
        JsonNode row = rows.get(0);
        assertThat(row.get("TimeGenerated").stringValue()).isEqualTo("2025-11-20T10:02:11.734400921Z");
        assertThat(row.get("Rule").stringValue()).isEqualTo("Write below etc");
        assertThat(row.get("Priority").stringValue()).isEqualTo("Error");
        assertThat(row.get("Hostname").stringValue()).isEqualTo("bastion-01");
        assertThat(row.get("OutputFields").get("fd.name").stringValue()).isEqualTo("/etc/cron.d/sysupdate");
        assertThat(row.get("Uuid").stringValue()).isEqualTo(alert.uuid());
    }

    @Test
    void aRefusedTokenIsRetriedWithANewOneForbiddenIsPermanent() throws Exception {
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            ingestStatus.set(401);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            ingestStatus.set(204);
            out.send(SampleAlerts.alert(0));
            assertThat(ingested().getLast().header("Authorization")).isEqualTo("Bearer tok-2");
            ingestStatus.set(403);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    void configErrorsNameTheKey() {
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.az.type", "azure-monitor")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .contains(
                                        "peregrine.outputs.az.tenant-id: must not be blank",
                                        "peregrine.outputs.az.rule-id: must not be blank",
                                        "peregrine.outputs.az.endpoint: must not be null"));
    }
}
