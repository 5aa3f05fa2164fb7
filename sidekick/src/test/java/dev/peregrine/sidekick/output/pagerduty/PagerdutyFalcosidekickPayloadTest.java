package dev.peregrine.sidekick.output.pagerduty;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.inputOf;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The event Falcosidekick's TestPagerdutyPayload expects, field for field but two. */
class PagerdutyFalcosidekickPayloadTest {
    @Test
    void sameEventAsFalcosidekickForTheSameAlertAndSettings() throws Exception {
        Alert alert = inputOf("pagerduty-input.json");
        try (RecordingHttpServer pagerduty = new RecordingHttpServer()) {
            ObjectNode actual = (ObjectNode) sent(
                    pagerduty,
                    Map.of(
                            "peregrine.outputs.pd.type", "pagerduty",
                            "peregrine.outputs.pd.routing-key", "R0123",
                            "peregrine.outputs.pd.url",
                                    pagerduty.uri().resolve("/v2/enqueue").toString()),
                    alert);
            ObjectNode expected = (ObjectNode) expected("pagerduty.json");
            // Differences kept on purpose (docs/falcosidekick-differences.md): Falcosidekick's test
            // has no routing key, which Peregrine requires; the dedup key is the alert's uuid, so
            // that a redelivered alert opens no second incident.
            expected.put("routing_key", "R0123");
            JsonNode dedupKey = actual.remove("dedup_key");
            assertThat(dedupKey.stringValue()).isEqualTo(alert.uuid());
            assertThat(actual).isEqualTo(expected);
        }
    }
}
