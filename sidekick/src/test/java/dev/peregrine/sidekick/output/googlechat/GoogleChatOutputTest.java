package dev.peregrine.sidekick.output.googlechat;

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
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Google Chat output against a real HTTP endpoint on loopback, checking the webhook's message format. */
class GoogleChatOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer chat = new RecordingHttpServer();

    @AfterEach
    void stop() {
        chat.close();
    }

    Map<String, Object> settings(String... more) {
        Map<String, Object> p = new HashMap<>(Map.of(
                "peregrine.outputs.gc.type",
                "googlechat",
                "peregrine.outputs.gc.webhook-url",
                chat.uri().toString()));
        for (int i = 0; i < more.length; i += 2) {
            p.put("peregrine.outputs.gc." + more[i], more[i + 1]);
        }
        return p;
    }

    JsonNode post(Map<String, Object> settings, Alert alert) throws DeliveryException {
        ConfiguredOutput c = bind(settings).getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
        }
        return JSON.readTree(chat.requests().getLast().body());
    }

    /** Falcosidekick's TestNewGoogleChatPayload, as Go marshals it (the empty header included). */
    @Test
    void falcosidekicksMessageForTheSameAlert() throws Exception {
        JsonNode body = FalcosidekickPayloads.sent(
                chat,
                settings("message-format", "Rule: {{ rule }} Priority: {{ priority }}"),
                FalcosidekickPayloads.input());
        assertThat(body).isEqualTo(JSON.readTree("""
                {"text": "Rule: Test rule Priority: Debug",
                 "cards": [{"header": {"title": "", "subtitle": ""},
                            "sections": [{"widgets": [
                              {"keyValue": {"topLabel": "rule", "content": "Test rule"}},
                              {"keyValue": {"topLabel": "priority", "content": "Debug"}},
                              {"keyValue": {"topLabel": "source", "content": "syscalls"}},
                              {"keyValue": {"topLabel": "hostname", "content": "test-host"}},
                              {"keyValue": {"topLabel": "proc.name", "content": "falcosidekick"}},
                              {"keyValue": {"topLabel": "tags", "content": "example, test"}},
                              {"keyValue": {"topLabel": "time", "content": "2001-01-01 01:10:00 +0000 UTC"}}]}]}]}
                """));
        assertThat(chat.requests().getLast().header("Content-Type")).isEqualTo("application/json; charset=UTF-8");
    }

    @Test
    void textFormatSendsTheTextOrTheOutputLine() throws Exception {
        assertThat(post(settings("output-format", "text", "message-format", "{{ rule }}!"), SampleAlerts.alert(0)))
                .isEqualTo(JSON.readTree("{\"text\": \"Terminal shell in container!\"}"));
        JsonNode plain = post(settings("output-format", "text"), SampleAlerts.alert(0));
        assertThat(plain.get("text").stringValue()).isEqualTo(SampleAlerts.output(0));
    }

    @Test
    void peregrinesCardIsHeadedByTheRuleAndEscapesHtml() throws Exception {
        Alert alert = SampleAlerts.alert(2).withOutputFields(Map.of("proc.cmdline", "sh -c 'a < b && c'"));
        JsonNode card =
                post(settings("payloads", "peregrine"), alert).get("cardsV2").get(0);
        assertThat(card.get("cardId").stringValue()).isEqualTo(alert.uuid());
        assertThat(card.get("card").get("header").get("title").stringValue()).isEqualTo("Write below etc");
        assertThat(card.get("card").get("header").get("subtitle").stringValue()).isEqualTo("Error on bastion-01");
        assertThat(card.get("card").get("sections").get(0).get("widgets").toString())
                .contains(
                        "{\"decoratedText\":{\"topLabel\":\"proc.cmdline\",\"text\":\"sh -c 'a &lt; b &amp;&amp; c'\"");
    }

    @Test
    void rateLimitsAreRetriedADeletedWebhookIsPermanent() throws Exception {
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            chat.answer(429);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            chat.answer(404);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    void falcosidekicksVariablesAndConfigErrors() {
        assertThat(FalcosidekickEnvironment.translation(
                                Map.of(
                                        "GOOGLECHAT_WEBHOOKURL", "https://chat.googleapis.com/v1/spaces/X/messages",
                                        "GOOGLECHAT_OUTPUTFORMAT", "text"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.googlechat.type", "googlechat")
                .containsEntry(
                        "peregrine.outputs.googlechat.webhook-url", "https://chat.googleapis.com/v1/spaces/X/messages")
                .containsEntry("peregrine.outputs.googlechat.output-format", "text");
        assertThatThrownBy(() -> bind(settings("output-format", "fields")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .contains("peregrine.outputs.gc.output-format: must be all or text"));
        ConfiguredOutput badTemplate =
                bind(settings("message-format", "{{ rule ")).getFirst();
        assertThatThrownBy(() -> badTemplate.config().create(badTemplate.context()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.gc.message-format: template error"));
    }
}
