package dev.peregrine.sidekick.output.opsgenie;

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
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Opsgenie output against a real HTTP endpoint on loopback, checking the Alert API's format. */
class OpsgenieOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer opsgenie = new RecordingHttpServer();

    @AfterEach
    void stop() {
        opsgenie.close();
    }

    Map<String, Object> settings(String payloads) {
        return Map.of(
                "peregrine.outputs.og.type",
                "opsgenie",
                "peregrine.outputs.og.api-key",
                "eb243592-faa2-4ba2-a551q-1afdf565c889",
                "peregrine.outputs.og.url",
                opsgenie.uri().toString(),
                "peregrine.outputs.og.payloads",
                payloads);
    }

    /**
     * Falcosidekick's TestNewOpsgeniePayload, field for field, but for the alias (the uuid) and the
     * tags' order (Falco's, sorted; Falcosidekick's test input has them unsorted).
     */
    @Test
    void falcosidekicksAlertForTheSameAlert() throws Exception {
        Alert input = FalcosidekickPayloads.input();
        JsonNode body = FalcosidekickPayloads.sent(opsgenie, settings("falcosidekick"), input);
        assertThat(body).isEqualTo(JSON.readTree("""
                {"message": "This is a test from falcosidekick", "alias": "%s", "entity": "Falcosidekick",
                 "description": "Test rule",
                 "details": {"hostname": "test-host", "priority": "Debug", "tags": "example, test",
                             "proc_name": "falcosidekick", "rule": "Test rule", "source": "syscalls"},
                 "priority": "P5"}
                """.formatted(input.uuid())));
        RecordingHttpServer.Request r = opsgenie.requests().getLast();
        assertThat(r.header("Authorization")).isEqualTo("GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void peregrinesAlertNamesTheHostAndCarriesTheTags() throws Exception {
        Alert alert = SampleAlerts.alert(2);
        ConfiguredOutput c = bind(settings("peregrine")).getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
        }
        JsonNode body = JSON.readTree(opsgenie.requests().getLast().body());
        assertThat(body.get("priority").stringValue()).isEqualTo("P3");
        assertThat(body.get("entity").stringValue()).isEqualTo("bastion-01");
        assertThat(body.get("source").stringValue()).isEqualTo("Peregrine");
        assertThat(body.get("tags").get(0).stringValue()).isEqualTo(alert.tags().getFirst());
        assertThat(body.get("details").get("fd_name").stringValue()).isEqualTo("/etc/cron.d/sysupdate");
    }

    @Test
    void regionsAndFailures() throws Exception {
        OpsgenieConfig eu = (OpsgenieConfig) bind(Map.of(
                        "peregrine.outputs.og.type", "opsgenie",
                        "peregrine.outputs.og.api-key", "k",
                        "peregrine.outputs.og.region", "EU"))
                .getFirst()
                .config();
        try (OpsgenieOutput out = (OpsgenieOutput) eu.create(new OutputContext("og", "peregrine.outputs.og"))) {
            assertThat(out.endpoint()).hasToString("https://api.eu.opsgenie.com/v2/alerts");
        }
        ConfiguredOutput c = bind(settings("falcosidekick")).getFirst();
        try (Output out = c.config().create(c.context())) {
            opsgenie.answer(422);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            opsgenie.answer(429);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
        assertThatThrownBy(() -> bind(Map.of(
                        "peregrine.outputs.og.type", "opsgenie",
                        "peregrine.outputs.og.api-key", "k",
                        "peregrine.outputs.og.region", "asia")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.og.region: must be us or eu"));
    }

    @Test
    void falcosidekicksVariables() {
        assertThat(FalcosidekickEnvironment.translation(
                                Map.of(
                                        "OPSGENIE_APIKEY",
                                        "k",
                                        "OPSGENIE_REGION",
                                        "eu",
                                        "OPSGENIE_MINIMUMPRIORITY",
                                        "error"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.opsgenie.type", "opsgenie")
                .containsEntry("peregrine.outputs.opsgenie.api-key", "k")
                .containsEntry("peregrine.outputs.opsgenie.region", "eu")
                .containsEntry("peregrine.outputs.opsgenie.minimum-priority", "error");
    }
}
