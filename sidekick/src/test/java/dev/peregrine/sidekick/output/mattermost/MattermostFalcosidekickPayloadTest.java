package dev.peregrine.sidekick.output.mattermost;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The message Falcosidekick's TestMattermostPayload expects, field for field. */
class MattermostFalcosidekickPayloadTest {
    @Test
    void sameMessageAsFalcosidekickForTheSameAlertAndSettings() throws Exception {
        try (RecordingHttpServer mattermost = new RecordingHttpServer()) {
            assertThat(sent(
                            mattermost,
                            Map.of(
                                    "peregrine.outputs.mm.type", "mattermost",
                                    "peregrine.outputs.mm.webhook-url",
                                            mattermost.uri().toString(),
                                    "peregrine.outputs.mm.icon",
                                            "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png",
                                    "peregrine.outputs.mm.message-format", "Rule: {{ rule }} Priority: {{ priority }}"),
                            input()))
                    .isEqualTo(expected("mattermost.json"));
        }
    }
}
