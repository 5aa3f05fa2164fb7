package dev.peregrine.sidekick.output.telegram;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Telegram output against a real HTTP endpoint on loopback, checking the Bot API's sendMessage. */
class TelegramOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer telegram = new RecordingHttpServer();

    @AfterEach
    void stop() {
        telegram.close();
    }

    Map<String, Object> settings(String... more) {
        Map<String, Object> p = new java.util.HashMap<>(Map.of(
                "peregrine.outputs.tg.type", "telegram",
                "peregrine.outputs.tg.token", "123456:ABC-DEF",
                "peregrine.outputs.tg.chat-id", "-987654321",
                "peregrine.outputs.tg.host", "http://127.0.0.1:" + telegram.port()));
        for (int i = 0; i < more.length; i += 2) {
            p.put("peregrine.outputs.tg." + more[i], more[i + 1]);
        }
        return p;
    }

    /** Falcosidekick's TestNewTelegramPayload, but for the tags' order (sorted here, as Falco writes them). */
    @Test
    void falcosidekicksMessageForTheSameAlert() throws Exception {
        JsonNode body = FalcosidekickPayloads.sent(telegram, settings(), FalcosidekickPayloads.input());
        assertThat(body.get("text").stringValue())
                .isEqualTo("*\\[Falco\\] \\[Debug\\] Test rule*\n\n• *Time*: 2001\\-01\\-01 01:10:00 \\+0000 UTC\n"
                        + "• *Source*: syscalls\n• *Hostname*: test\\-host\n• *Tags*: example test \n• *Fields*:\n"
                        + "\t  • *proc\\.name*: falcosidekick\n\t  • *proc\\.tty*: 1234\n\n\n"
                        + "**Output**: This is a test from falcosidekick\n");
        assertThat(body.get("parse_mode").stringValue()).isEqualTo("MarkdownV2");
        assertThat(body.get("disable_web_page_preview").booleanValue()).isTrue();
        assertThat(body.get("chat_id").stringValue()).isEqualTo("-987654321");
        assertThat(body.has("message_thread_id")).isFalse();
        RecordingHttpServer.Request r = telegram.requests().getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/bot123456:ABC-DEF/sendMessage");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void aTopicAndATextOverTheLimitLosingFieldsThenTheLineEnd() throws Exception {
        ConfiguredOutput c = bind(settings("message-thread-id", "42")).getFirst();
        String longLine = "cat /etc/shadow. ".repeat(400); // 6800 characters, more escaped
        Alert alert = new Alert(
                "u-1",
                Instant.parse("2025-11-20T10:02:11Z"),
                "Read sensitive file",
                Priority.WARNING,
                "syscall",
                longLine,
                new TreeMap<>(Map.of("fd.name", "/etc/shadow", "proc.args", List.of("a", "b"))),
                List.of("T1555"),
                "h",
                null,
                null);
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
        }
        JsonNode body = JSON.readTree(telegram.requests().getLast().body());
        assertThat(body.get("message_thread_id").stringValue()).isEqualTo("42");
        String text = body.get("text").stringValue();
        assertThat(text.length()).isLessThanOrEqualTo(TelegramOutput.MAX_TEXT);
        assertThat(text).doesNotContain("fd\\.name").endsWith("…\n").contains("**Output**: cat /etc/shadow\\. ");
        assertThat(text.substring(0, text.length() - 2)).doesNotEndWith("\\");

        String fits = TelegramOutput.text(SampleAlerts.alert(2), true);
        assertThat(fits).contains("\t  • *fd\\.name*: /etc/cron\\.d/sysupdate\n");
        assertThat(TelegramOutput.text(
                        SampleAlerts.alert(0).withOutputFields(Map.of("proc.args", List.of("a", "b"))), true))
                .contains("• *proc\\.args*: \\[a b\\]\n")
                .doesNotContain("…");
    }

    @Test
    void floodControlIsRetriedABotRemovedFromTheChatIsPermanent() throws Exception {
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            telegram.answer(429);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            telegram.answer(403);
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
                                        "TELEGRAM_TOKEN", "123:abc",
                                        "TELEGRAM_CHATID", "-100",
                                        "TELEGRAM_MESSAGETHREADID", "7"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.telegram.type", "telegram")
                .containsEntry("peregrine.outputs.telegram.token", "123:abc")
                .containsEntry("peregrine.outputs.telegram.chat-id", "-100")
                .containsEntry("peregrine.outputs.telegram.message-thread-id", "7");
        // Falcosidekick would not enable it without a chat id, and ignore the token: here startup says what is missing.
        Map<String, Object> tokenOnly = FalcosidekickEnvironment.translation(
                        Map.of("TELEGRAM_TOKEN", "123:abc"), OutputCatalog.scan())
                .properties();
        assertThatThrownBy(() -> bind(tokenOnly))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .contains("peregrine.outputs.telegram.chat-id: must not be blank"));
        assertThatThrownBy(
                        () -> bind(Map.of("peregrine.outputs.tg.type", "telegram", "peregrine.outputs.tg.token", "t")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.tg.chat-id: must not be blank"));
    }
}
