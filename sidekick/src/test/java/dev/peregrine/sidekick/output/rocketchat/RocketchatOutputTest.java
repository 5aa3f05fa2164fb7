package dev.peregrine.sidekick.output.rocketchat;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Rocket.Chat output against a real HTTP endpoint on loopback, checking the webhook's message. */
class RocketchatOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer rocket = new RecordingHttpServer();

    @AfterEach
    void stop() {
        rocket.close();
    }

    Map<String, Object> settings(String... more) {
        Map<String, Object> p = new HashMap<>(Map.of(
                "peregrine.outputs.rc.type",
                "rocketchat",
                "peregrine.outputs.rc.webhook-url",
                rocket.uri().toString()));
        for (int i = 0; i < more.length; i += 2) {
            p.put("peregrine.outputs.rc." + more[i], more[i + 1]);
        }
        return p;
    }

    JsonNode post(Map<String, Object> settings, Alert alert) throws DeliveryException {
        ConfiguredOutput c = bind(settings).getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
        }
        return JSON.readTree(rocket.requests().getLast().body());
    }

    /** Falcosidekick's TestNewRocketchatPayload, field for field (Go leaves the empty footer out). */
    @Test
    void falcosidekicksMessageForTheSameAlert() throws Exception {
        JsonNode body = FalcosidekickPayloads.sent(
                rocket,
                settings("message-format", "Rule: {{ rule }} Priority: {{ priority }}"),
                FalcosidekickPayloads.input());
        assertThat(body).isEqualTo(JSON.readTree("""
                {"text": "Rule: Test rule Priority: Debug", "username": "Falcosidekick", "icon_url": "%s",
                 "attachments": [{"fallback": "This is a test from falcosidekick", "color": "#ccfff2",
                   "text": "This is a test from falcosidekick",
                   "fields": [{"title": "rule", "value": "Test rule", "short": true},
                              {"title": "priority", "value": "Debug", "short": true},
                              {"title": "source", "value": "syscalls", "short": true},
                              {"title": "tags", "value": "example, test", "short": true},
                              {"title": "proc.name", "value": "falcosidekick", "short": true},
                              {"title": "time", "value": "2001-01-01 01:10:00 +0000 UTC", "short": false},
                              {"title": "hostname", "value": "test-host", "short": true}]}]}
                """.formatted(Chat.DEFAULT_ICON)));
    }

    @Test
    void formatsAndPeregrinesNames() throws Exception {
        JsonNode text = post(settings("output-format", "text"), SampleAlerts.alert(0));
        assertThat(text.has("attachments")).isFalse();
        assertThat(text.get("text").stringValue()).isEqualTo(SampleAlerts.output(0));

        JsonNode fields = post(settings("output-format", "fields"), SampleAlerts.alert(2));
        assertThat(fields.get("attachments").get(0).has("text")).isFalse();
        assertThat(fields.get("attachments").get(0).get("color").stringValue()).isEqualTo("#e20b0b");

        JsonNode peregrine = post(settings("payloads", "peregrine", "icon", ""), SampleAlerts.alert(2));
        assertThat(peregrine.get("username").stringValue()).isEqualTo("Peregrine");
        assertThat(peregrine.get("alias").stringValue()).isEqualTo("Peregrine");
        assertThat(peregrine.has("icon_url")).isFalse();
        assertThat(peregrine.has("avatar")).isFalse();
    }

    @Test
    void aDeletedIntegrationIsPermanentAnOutageRetried() throws Exception {
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            rocket.answer(404);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            rocket.answer(502);
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
                                        "ROCKETCHAT_WEBHOOKURL", "https://chat.example.com/hooks/a/b",
                                        "ROCKETCHAT_USERNAME", "falco",
                                        "ROCKETCHAT_OUTPUTFORMAT", "fields"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.rocketchat.type", "rocketchat")
                .containsEntry("peregrine.outputs.rocketchat.webhook-url", "https://chat.example.com/hooks/a/b")
                .containsEntry("peregrine.outputs.rocketchat.username", "falco")
                .containsEntry("peregrine.outputs.rocketchat.output-format", "fields");
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.rc.type", "rocketchat")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.rc.webhook-url: must not be null"));
    }
}
