package dev.peregrine.sidekick.output.slack;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The message Falcosidekick's TestNewSlackPayload expects, field for field. */
class SlackFalcosidekickPayloadTest {
    @Test
    void sameMessageAsFalcosidekickForTheSameAlertAndSettings() throws Exception {
        try (RecordingHttpServer slack = new RecordingHttpServer()) {
            assertThat(sent(
                            slack,
                            Map.of(
                                    "peregrine.outputs.slack.type", "slack",
                                    "peregrine.outputs.slack.webhook-url",
                                            slack.uri().toString(),
                                    "peregrine.outputs.slack.icon",
                                            "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png",
                                    // Falcosidekick's "Rule: {{ .Rule }} Priority: {{ .Priority }}", in Pebble
                                    "peregrine.outputs.slack.message-format",
                                            "Rule: {{ rule }} Priority: {{ priority }}"),
                            input()))
                    .isEqualTo(expected("slack.json"));
        }
    }
}
