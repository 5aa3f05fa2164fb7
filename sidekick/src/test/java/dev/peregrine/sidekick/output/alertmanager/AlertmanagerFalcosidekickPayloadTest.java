package dev.peregrine.sidekick.output.alertmanager;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.expected;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.inputOf;
import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.sent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.LabelNames;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The alerts Falcosidekick's TestNewAlertmanagerPayloadO, ...DropEvent and ...BadLabels expect,
 * with its default drop thresholds, and its label names (Test_alertmanagerSafeLabel).
 */
class AlertmanagerFalcosidekickPayloadTest {

    @ParameterizedTest
    @CsvSource({"alertmanager.json, false", "alertmanager-drop-event.json, true", "alertmanager-bad-labels.json, true"})
    void sameAlertAsFalcosidekickForTheSameAlertAndSettings(String expectation, boolean ownInput) throws Exception {
        Alert alert = ownInput ? inputOf(expectation) : input();
        try (RecordingHttpServer alertmanager = new RecordingHttpServer()) {
            JsonNode actual = sent(
                    alertmanager,
                    Map.of(
                            "peregrine.outputs.am.type",
                            "alertmanager",
                            "peregrine.outputs.am.url",
                            alertmanager.uri().toString()),
                    alert);
            assertThat(actual).isEqualTo(asAlertmanagerReadsIt(expected(expectation)));
        }
    }

    /**
     * The two ways Falcosidekick's JSON differs from ours without differing for Alertmanager: it
     * sends a label with an empty value (Alertmanager drops it) and Go's zero time as endsAt
     * (Alertmanager reads it as none); Peregrine sends neither.
     */
    static JsonNode asAlertmanagerReadsIt(JsonNode expected) {
        for (JsonNode alert : expected) {
            ObjectNode labels = (ObjectNode) alert.get("labels");
            List<String> empty = new ArrayList<>();
            labels.properties().forEach(e -> {
                if (e.getValue().stringValue().isEmpty()) {
                    empty.add(e.getKey());
                }
            });
            labels.remove(empty);
            if (alert.path("endsAt").stringValue("").equals("0001-01-01T00:00:00Z")) {
                ((ObjectNode) alert).remove("endsAt");
            }
        }
        return expected;
    }

    @ParameterizedTest
    @CsvSource({
        "host, host",
        "host_name, host_name",
        "host{name}, host_name",
        "host[name], host_name",
        "{host}[name], host_name",
        "host[name]other, host_name_other",
        "host(name), host_name",
        "json.value[/user/extra/sessionName], json_value_user_extra_sessionName",
    })
    void labelNamesAsFalcosidekickMakesThem(String field, String label) {
        assertThat(LabelNames.fromFieldAsFalcosidekick(field)).isEqualTo(label);
    }
}
