package dev.peregrine.sidekick.output.grafanaoncall;

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

/** The Grafana OnCall output against a real HTTP endpoint on loopback, checking the formatted webhook's format. */
class GrafanaOncallOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer oncall = new RecordingHttpServer();

    @AfterEach
    void stop() {
        oncall.close();
    }

    /** What Falcosidekick's newGrafanaOnCallPayload gives for its test alert (it has no test of it). */
    @Test
    void falcosidekicksAlertForTheSameAlert() throws Exception {
        Alert input = FalcosidekickPayloads.input();
        JsonNode body = FalcosidekickPayloads.sent(
                oncall,
                Map.of(
                        "peregrine.outputs.oc.type", "grafanaoncall",
                        "peregrine.outputs.oc.webhook-url", oncall.uri().toString(),
                        "peregrine.outputs.oc.headers.X-Org", "sec"),
                input);
        assertThat(body).isEqualTo(JSON.readTree("""
                {"alert_uid": "%s", "state": "alerting", "title": "[Debug] Test rule",
                 "message": "This is a test from falcosidekick"}
                """.formatted(input.uuid())));
        assertThat(oncall.requests().getLast().header("X-Org")).isEqualTo("sec");
    }

    @Test
    void peregrinesAlertCarriesTheFieldsAndFailuresAreClassified() throws Exception {
        ConfiguredOutput c = bind(Map.of(
                        "peregrine.outputs.oc.type", "grafanaoncall",
                        "peregrine.outputs.oc.webhook-url", oncall.uri().toString(),
                        "peregrine.outputs.oc.payloads", "peregrine"))
                .getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(SampleAlerts.alert(2));
            JsonNode body = JSON.readTree(oncall.requests().getLast().body());
            assertThat(body.get("title").stringValue()).isEqualTo("[Error] Write below etc");
            assertThat(body.get("hostname").stringValue()).isEqualTo("bastion-01");
            assertThat(body.get("output_fields").get("fd.name").stringValue()).isEqualTo("/etc/cron.d/sysupdate");
            oncall.answer(404);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            oncall.answer(500);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void falcosidekicksVariablesAndConfigErrors() {
        assertThat(FalcosidekickEnvironment.translation(
                                Map.of(
                                        "GRAFANAONCALL_WEBHOOKURL",
                                                "https://oncall.example.com/integrations/v1/formatted_webhook/t/",
                                        "GRAFANAONCALL_CUSTOMHEADERS", "X-Org:sec"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.grafanaoncall.type", "grafanaoncall")
                .containsEntry(
                        "peregrine.outputs.grafanaoncall.webhook-url",
                        "https://oncall.example.com/integrations/v1/formatted_webhook/t/")
                .containsEntry("peregrine.outputs.grafanaoncall.headers.X-Org", "sec");
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.oc.type", "grafanaoncall")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.oc.webhook-url: must not be null"));
    }
}
