package dev.peregrine.sidekick.output.loki;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The push Falcosidekick's TestNewLokiPayload expects, field for field. */
class LokiFalcosidekickPayloadTest {
    @Test
    void sameStreamAsFalcosidekickForTheSameAlertAndSettings() throws Exception {
        try (RecordingHttpServer loki = new RecordingHttpServer()) {
            assertThat(sent(
                            loki,
                            Map.of(
                                    "peregrine.outputs.loki.type",
                                    "loki",
                                    "peregrine.outputs.loki.url",
                                    loki.uri().toString()),
                            input()))
                    .isEqualTo(expected("loki.json"));
        }
    }

    /** As Falcosidekick, the custom fields (which the intake adds to every alert) are labels. */
    @Test
    void customFieldsAndKubernetesNamesAreLabelsAsInFalcosidekick() throws Exception {
        Alert received = input();
        Map<String, Object> fields = new LinkedHashMap<>(received.outputFields());
        fields.put("env", "prod \"eu\"");
        fields.put("k8s.ns.name", "payments");
        Alert alert = received.withOutputFields(fields);
        try (RecordingHttpServer loki = new RecordingHttpServer()) {
            JsonNode stream = sent(
                            loki,
                            Map.of(
                                    "peregrine.customfields.env", "prod",
                                    "peregrine.outputs.loki.type", "loki",
                                    "peregrine.outputs.loki.url", loki.uri().toString()),
                            alert)
                    .get("streams")
                    .get(0)
                    .get("stream");
            assertThat(stream.get("env").stringValue()).isEqualTo("prod eu"); // quotes dropped, as Falcosidekick
            assertThat(stream.get("k8s_ns_name").stringValue()).isEqualTo("payments");
            assertThat(stream.has("proc_name")).isFalse();
        }
    }
}
