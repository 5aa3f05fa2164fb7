package dev.peregrine.sidekick.output.webex;

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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The Webex output against a real HTTP endpoint on loopback, checking the webhook's message. */
class WebexOutputTest {
    final RecordingHttpServer webex = new RecordingHttpServer();

    @AfterEach
    void stop() {
        webex.close();
    }

    Map<String, Object> settings() {
        return Map.of(
                "peregrine.outputs.wx.type",
                "webex",
                "peregrine.outputs.wx.webhook-url",
                webex.uri().toString());
    }

    /**
     * What Falcosidekick's Go template (outputs/webex.go; its test checks no payload) gives for its
     * test alert, whitespace included.
     */
    @Test
    void falcosidekicksMarkdownForTheSameAlert() throws Exception {
        JsonNode body = FalcosidekickPayloads.sent(webex, settings(), FalcosidekickPayloads.input());
        assertThat(body.propertyNames()).containsExactly("markdown");
        assertThat(body.get("markdown").stringValue())
                .isEqualTo("# Falco Rule 'Test rule'\n\n### This is a test from falcosidekick\n\n"
                        + "Additional informations:\n  * Hostname: test-host\n  * Source:   syscalls  \n"
                        + "  * Priority: Debug\n  * Tags:\n    \n    * example\n    \n    * test\n    \n"
                        + "  * Fields:\n\t\n\t* proc.name: falcosidekick\n\t\n\t* proc.tty: 1234\n\t\n");
        RecordingHttpServer.Request r = webex.requests().getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void aMessageOverWebexsLimitLosesFieldsThenTheLineEnd() {
        String line = "é".repeat(5000); // 10000 bytes
        Alert alert = new Alert(
                "u",
                Instant.parse("2025-11-20T10:02:11Z"),
                "r",
                Priority.ERROR,
                "syscall",
                line,
                new TreeMap<>(Map.of("fd.name", "/x")),
                List.of(),
                "h",
                null,
                null);
        String md = WebexOutput.markdown(alert);
        assertThat(md.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(WebexOutput.MAX_BYTES);
        assertThat(md).contains("éé…\n").doesNotContain("fd.name");
        assertThat(WebexOutput.markdown(SampleAlerts.alert(2))).contains("\n\t* fd.name: /etc/cron.d/sysupdate\n");
    }

    @Test
    void aDeletedWebhookIsPermanentAnOutageRetried() throws Exception {
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            webex.answer(404);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
            webex.answer(503);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }

    @Test
    void falcosidekicksVariablesAndConfigErrors() {
        assertThat(FalcosidekickEnvironment.translation(
                                Map.of("WEBEX_WEBHOOKURL", "https://webexapis.com/v1/webhooks/incoming/X"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.webex.type", "webex")
                .containsEntry("peregrine.outputs.webex.webhook-url", "https://webexapis.com/v1/webhooks/incoming/X");
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.wx.type", "webex")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.wx.webhook-url: must not be null"));
    }
}
