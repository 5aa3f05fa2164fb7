package dev.peregrine.sidekick.output.teams;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.PayloadStyle;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The Teams output against a real HTTP endpoint on loopback, both card formats checked field by field. */
class TeamsOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads; Falcosidekick's are the FalcosidekickPayloadTest's. */
    static final OutputContext CONTEXT =
            new OutputContext("teams", "peregrine.outputs.teams", PayloadStyle.PEREGRINE, Set.of());

    final RecordingHttpServer teams = new RecordingHttpServer();

    @AfterEach
    void stop() {
        teams.close();
    }

    TeamsConfig config(String card, String outputFormat) {
        return new TeamsConfig(teams.uri(), card, Chat.DEFAULT_ICON, outputFormat, Duration.ofSeconds(5));
    }

    JsonNode post(TeamsConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
        RecordingHttpServer.Request r = teams.requests().getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hook");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        return JSON.readTree(r.body());
    }

    static final String FACTS_SAMPLE_3 = """
            [
              {"%1$s": "rule", "value": "Contact K8S API Server From Container"},
              {"%1$s": "priority", "value": "Notice"},
              {"%1$s": "source", "value": "syscall"},
              {"%1$s": "hostname", "value": "gke-prod-pool-1-8f3a2c1d-q7lm"},
              {"%1$s": "container.id", "value": "9f1e4c2a7b30"},
              {"%1$s": "container.image.repository", "value": "ghcr.io/acme/payments-api"},
              {"%1$s": "container.image.tag", "value": "v2.4.1"},
              {"%1$s": "container.name", "value": "payments-api"},
              {"%1$s": "evt.type", "value": "connect"},
              {"%1$s": "fd.l4proto", "value": "tcp"},
              {"%1$s": "fd.name", "value": "10.52.3.17:48310->10.96.0.1:443"},
              {"%1$s": "fd.type", "value": "ipv4"},
              {"%1$s": "k8s.ns.name", "value": "payments"},
              {"%1$s": "k8s.pod.name", "value": "payments-api-5b7f9d9c8-4hzsw"},
              {"%1$s": "proc.cmdline", "value": "curl -sk https://kubernetes.default.svc/api/v1/namespaces/payments/secrets"},
              {"%1$s": "proc.exepath", "value": "/usr/bin/curl"},
              {"%1$s": "proc.name", "value": "curl"},
              {"%1$s": "proc.pname", "value": "sh"},
              {"%1$s": "user.name", "value": "app"},
              {"%1$s": "tags", "value": "T1565, container, k8s, maturity_stable, mitre_discovery, network"}
            ]
            """;

    @Test
    void messageCardIsFalcosidekicks() throws Exception {
        JsonNode body = post(config("message-card", "all"), SampleAlerts.alert(3));

        ObjectNode expected = (ObjectNode) JSON.readTree("""
                {
                  "@type": "MessageCard",
                  "@context": "https://schema.org/extensions",
                  "themeColor": "5bffb5",
                  "sections": [{
                    "activityTitle": "Peregrine",
                    "activitySubtitle": "2025-11-20 11:45:09.00411883 +0000 UTC",
                    "activityImage": "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png"
                  }]
                }
                """);
        expected.put("summary", SampleAlerts.output(3));
        ObjectNode section = (ObjectNode) expected.get("sections").get(0);
        section.put("text", SampleAlerts.output(3));
        section.set("facts", JSON.readTree(FACTS_SAMPLE_3.formatted("name")));
        assertThat(body).isEqualTo(expected);
    }

    @Test
    void adaptiveCardCarriesTheSameContentForWorkflows() throws Exception {
        JsonNode body = post(config("adaptive-card", "all"), SampleAlerts.alert(3));

        ObjectNode expected = (ObjectNode) JSON.readTree("""
                {
                  "type": "message",
                  "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                      "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                      "type": "AdaptiveCard",
                      "version": "1.4",
                      "msteams": {"width": "Full"},
                      "body": [
                        {"type": "Container", "style": "good", "bleed": true, "items": [
                          {"type": "TextBlock", "text": "Notice: Contact K8S API Server From Container", "weight": "Bolder", "size": "Medium", "wrap": true},
                          {"type": "TextBlock", "text": "2025-11-20 11:45:09.00411883 +0000 UTC", "isSubtle": true, "spacing": "None", "wrap": true}
                        ]},
                        {"type": "TextBlock", "wrap": true},
                        {"type": "FactSet"}
                      ]
                    }
                  }]
                }
                """);
        ArrayNode cardBody =
                (ArrayNode) expected.get("attachments").get(0).get("content").get("body");
        ((ObjectNode) cardBody.get(1)).put("text", SampleAlerts.output(3));
        ((ObjectNode) cardBody.get(2)).set("facts", JSON.readTree(FACTS_SAMPLE_3.formatted("title")));
        assertThat(body).isEqualTo(expected);
    }

    @Test
    void outputFormatTextAndFactsLeaveTheOtherPartOut() throws Exception {
        JsonNode text = post(config("message-card", "text"), SampleAlerts.alert(0))
                .get("sections")
                .get(0);
        assertThat(text.has("facts")).isFalse();
        assertThat(text.get("text").stringValue()).isEqualTo(SampleAlerts.output(0));

        JsonNode facts = post(config("message-card", "facts"), SampleAlerts.alert(0))
                .get("sections")
                .get(0);
        assertThat(facts.has("text")).isFalse();
        assertThat(facts.get("facts").get(0).get("value").stringValue()).isEqualTo("Terminal shell in container");

        JsonNode adaptive = post(config("adaptive-card", "facts"), SampleAlerts.alert(0))
                .get("attachments")
                .get(0)
                .get("content")
                .get("body");
        assertThat(adaptive).hasSize(2);
        assertThat(adaptive.get(1).get("type").stringValue()).isEqualTo("FactSet");
    }

    @ParameterizedTest
    @CsvSource({
        "Emergency, e20b0b, attention", "Alert, ff5400, attention", "Critical, ff9000, attention",
        "Error, ffc700, attention", "Warning, ffff00, warning", "Notice, 5bffb5, good",
        "Informational, 68c2ff, accent", "Debug, ccfff2, default",
    })
    void colourFollowsPriority(String priority, String themeColor, String style) throws Exception {
        Alert a = SampleAlerts.alert(0);
        Alert alert = new Alert(
                a.uuid(),
                a.time(),
                a.rule(),
                Priority.parse(priority),
                a.source(),
                a.output(),
                a.outputFields(),
                a.tags(),
                a.hostname(),
                a.message(),
                a.origin());

        assertThat(post(config("message-card", "all"), alert).get("themeColor").stringValue())
                .isEqualTo(themeColor);
        assertThat(post(config("adaptive-card", "all"), alert)
                        .get("attachments")
                        .get(0)
                        .get("content")
                        .get("body")
                        .get(0)
                        .get("style")
                        .stringValue())
                .isEqualTo(style);
    }

    @ParameterizedTest
    @CsvSource({
        "https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d, true",
        "https://outlook.office.com/webhook/a/IncomingWebhook/b, true",
        "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke, false",
        "https://default1234.56.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/abc, false",
    })
    void autoPicksTheCardByTheWebhooksAddress(String url, boolean messageCard) {
        TeamsConfig config = new TeamsConfig(URI.create(url), "auto", "", "all", Duration.ofSeconds(1));

        assertThat(config.messageCard()).isEqualTo(messageCard);
    }

    @Test
    void outageIsRetryableAndARefusalIsPermanent() throws Exception {
        try (Output out = config("auto", "all").create(CONTEXT)) {
            teams.answer(503);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            teams.answer(400); // Workflows: the flow's trigger refused the body
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            teams.answer(202); // what Workflows answers
            out.send(SampleAlerts.alert(0));
            assertThat(teams.requests()).hasSize(1);
        }
        URI nobody = teams.uri();
        teams.close();
        TeamsConfig down = new TeamsConfig(nobody, "auto", "", "all", Duration.ofSeconds(2));
        try (Output out = down.create(CONTEXT)) {
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void bindsFromKebabKeysWithDefaults() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.outputs.teams.type", "teams",
                "peregrine.outputs.teams.webhook-url", "https://contoso.webhook.office.com/webhookb2/x"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new TeamsConfig(
                        URI.create("https://contoso.webhook.office.com/webhookb2/x"),
                        "auto",
                        Chat.DEFAULT_ICON,
                        "all",
                        Duration.ofSeconds(10)));
    }

    @Test
    void configErrorsNameTheFullKey() {
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.teams.type", "teams")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .contains("peregrine.outputs.teams.webhook-url: must not be null"));
        assertThatThrownBy(() -> bind(Map.of(
                        "peregrine.outputs.teams.type",
                        "teams",
                        "peregrine.outputs.teams.webhook-url",
                        "https://x.example/",
                        "peregrine.outputs.teams.card",
                        "hero",
                        "peregrine.outputs.teams.output-format",
                        "fields")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "peregrine.outputs.teams.card: must be one of auto, adaptive-card, message-card",
                                        "peregrine.outputs.teams.output-format: must be one of all, text, facts"));
        assertThatThrownBy(() -> new TeamsConfig(URI.create("/webhookb2/x"), "auto", "", "all", Duration.ofSeconds(1))
                        .create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.teams.webhook-url: must be an http or https URL"));
    }
}
