package dev.peregrine.sidekick.output.datadog;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Datadog events and logs against a real HTTP endpoint on loopback, checking Datadog's API format. */
class DatadogOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer datadog = new RecordingHttpServer();

    @AfterEach
    void stop() {
        datadog.close();
    }

    /** The server's root, as a Datadog site's host. */
    String host() {
        return "http://127.0.0.1:" + datadog.port();
    }

    /** Falcosidekick's TestNewDatadogPayload, field for field. */
    @Test
    void eventAsFalcosidekicksForTheSameAlert() throws Exception {
        JsonNode body = FalcosidekickPayloads.sent(
                datadog,
                Map.of(
                        "peregrine.outputs.dd.type", "datadog",
                        "peregrine.outputs.dd.api-key", "k3y",
                        "peregrine.outputs.dd.host", host()),
                FalcosidekickPayloads.input());
        assertThat(body).isEqualTo(JSON.readTree("""
                {"title":"Test rule","text":"This is a test from falcosidekick","alert_type":"info",
                 "source_type_name":"falco",
                 "tags":["proc.name:falcosidekick", "source:syscalls", "source:falco", "hostname:test-host",
                         "example", "test"]}
                """));
        RecordingHttpServer.Request r = datadog.requests().getLast();
        assertThat(r.path()).isEqualTo("/api/v1/events");
        assertThat(r.header("DD-API-KEY")).isEqualTo("k3y");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void peregrinesEventAddsTimeAndHostAndMapsPriorities() throws Exception {
        Alert alert = SampleAlerts.alert(2); // Error
        ConfiguredOutput c = bind(Map.of(
                        "peregrine.outputs.dd.type", "datadog",
                        "peregrine.outputs.dd.api-key", "k3y",
                        "peregrine.outputs.dd.host", host() + "/",
                        "peregrine.outputs.dd.payloads", "peregrine"))
                .getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
        }
        RecordingHttpServer.Request r = datadog.requests().getLast();
        assertThat(r.path()).isEqualTo("/api/v1/events");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("alert_type").stringValue()).isEqualTo("error");
        assertThat(body.get("date_happened").asLong()).isEqualTo(alert.time().getEpochSecond());
        assertThat(body.get("host").stringValue()).isEqualTo("bastion-01");
        assertThat(body.get("tags").toString())
                .contains("\"fd.name:/etc/cron.d/sysupdate\"")
                .contains("\"source:syscall\"")
                .doesNotContain("proc.aname[2]:sh\",\"proc.aname[2]"); // each field once
    }

    /** Falcosidekick's newDatadogLogsPayload: the alert's JSON as the message. */
    @Test
    void logWithTheAlertAsMessage() throws Exception {
        Alert input = FalcosidekickPayloads.input();
        JsonNode body = FalcosidekickPayloads.sent(
                datadog,
                Map.of(
                        "peregrine.outputs.ddl.type", "datadog-logs",
                        "peregrine.outputs.ddl.api-key", "k3y",
                        "peregrine.outputs.ddl.host", host(),
                        "peregrine.outputs.ddl.service", "falco-eu"),
                input);
        RecordingHttpServer.Request r = datadog.requests().getLast();
        assertThat(r.path()).isEqualTo("/api/v2/logs");
        assertThat(r.header("DD-API-KEY")).isEqualTo("k3y");
        assertThat(body.propertyNames())
                .containsExactlyInAnyOrder("ddsource", "hostname", "service", "message", "ddtags");
        assertThat(body.get("ddsource").stringValue()).isEqualTo("falco");
        assertThat(body.get("hostname").stringValue()).isEqualTo("test-host");
        assertThat(body.get("service").stringValue()).isEqualTo("falco-eu");
        assertThat(body.get("ddtags").stringValue()).isEqualTo("example,test");
        JsonNode message = JSON.readTree(body.get("message").stringValue());
        assertThat(message.get("rule").stringValue()).isEqualTo("Test rule");
        assertThat(message.get("output_fields").get("proc.tty").asLong()).isEqualTo(1234);
        assertThat(message.get("uuid").stringValue()).isEqualTo(input.uuid());
    }

    @Test
    void aBadKeyIsPermanentRateLimitsAreRetried() throws Exception {
        ConfiguredOutput c = bind(Map.of(
                        "peregrine.outputs.ddl.type", "datadog-logs",
                        "peregrine.outputs.ddl.api-key", "k3y",
                        "peregrine.outputs.ddl.host", host()))
                .getFirst();
        try (Output out = c.config().create(c.context())) {
            datadog.answer(403);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            datadog.answer(429);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void falcosidekicksVariablesAndDefaults() {
        Map<String, Object> props = FalcosidekickEnvironment.translation(
                        Map.of(
                                "DATADOG_APIKEY", "a",
                                "DATADOG_HOST", "https://api.datadoghq.eu",
                                "DATADOGLOGS_APIKEY", "b",
                                "DATADOGLOGS_SERVICE", "falco"),
                        OutputCatalog.scan())
                .properties();
        assertThat(props)
                .containsEntry("peregrine.outputs.datadog.type", "datadog")
                .containsEntry("peregrine.outputs.datadog.api-key", "a")
                .containsEntry("peregrine.outputs.datadog.host", "https://api.datadoghq.eu")
                .containsEntry("peregrine.outputs.datadog-logs.type", "datadog-logs")
                .containsEntry("peregrine.outputs.datadog-logs.api-key", "b")
                .containsEntry("peregrine.outputs.datadog-logs.service", "falco");
        DatadogLogsConfig logs = (DatadogLogsConfig)
                bind(Map.of("peregrine.outputs.l.type", "datadog-logs", "peregrine.outputs.l.api-key", "b"))
                        .getFirst()
                        .config();
        assertThat(logs.host()).hasToString("https://http-intake.logs.datadoghq.com");
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.dd.type", "datadog")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.dd.api-key: must not be blank"));
    }
}
