package dev.peregrine.sidekick.output.teams;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The MessageCard Falcosidekick's TestNewTeamsPayload expects, field for field. */
class TeamsFalcosidekickPayloadTest {
    @Test
    void sameCardAsFalcosidekickForTheSameAlertAndSettings() throws Exception {
        try (RecordingHttpServer teams = new RecordingHttpServer()) {
            assertThat(sent(
                            teams,
                            Map.of(
                                    "peregrine.outputs.teams.type", "teams",
                                    "peregrine.outputs.teams.webhook-url",
                                            teams.uri().toString(),
                                    // a connector's card (the test server's address is not a connector's)
                                    "peregrine.outputs.teams.card", "message-card",
                                    // Falcosidekick's test has no activity image
                                    "peregrine.outputs.teams.activity-image", ""),
                            input()))
                    .isEqualTo(expected("teams.json"));
        }
    }
}
