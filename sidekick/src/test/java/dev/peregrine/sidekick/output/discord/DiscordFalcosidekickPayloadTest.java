package dev.peregrine.sidekick.output.discord;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The message Falcosidekick's TestNewDiscordPayload expects, field for field. */
class DiscordFalcosidekickPayloadTest {
    @Test
    void sameMessageAsFalcosidekickForTheSameAlertAndSettings() throws Exception {
        try (RecordingHttpServer discord = new RecordingHttpServer()) {
            assertThat(sent(
                            discord,
                            Map.of(
                                    "peregrine.outputs.discord.type", "discord",
                                    "peregrine.outputs.discord.webhook-url",
                                            discord.uri().toString(),
                                    // Falcosidekick's code falls back to this when its test sets no icon
                                    "peregrine.outputs.discord.icon",
                                            "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick.png"),
                            input()))
                    .isEqualTo(expected("discord.json"));
        }
    }
}
