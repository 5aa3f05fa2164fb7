package dev.peregrine.sidekick.output.otlp;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The OTLP logs output against a real HTTP endpoint on loopback, checking OTLP/HTTP's JSON encoding. */
class OtlpLogsOutputTest {
    final RecordingHttpServer collector = new RecordingHttpServer();

    @AfterEach
    void stop() {
        collector.close();
    }

    Map<String, Object> settings(String... more) {
        Map<String, Object> p = new HashMap<>(Map.of(
                "peregrine.outputs.otel.type",
                "otlp-logs",
                "peregrine.outputs.otel.url",
                collector.uri().toString()));
        for (int i = 0; i < more.length; i += 2) {
            p.put("peregrine.outputs.otel." + more[i], more[i + 1]);
        }
        return p;
    }

    /** The record Falcosidekick's slog Info call makes of its test alert. */
    @Test
    void falcosidekicksRecordForTheSameAlert() throws Exception {
        JsonNode body = FalcosidekickPayloads.sent(
                collector, settings("headers.X-Api-Key", "k"), FalcosidekickPayloads.input());
        JsonNode rl = body.get("resourceLogs").get(0);
        assertThat(rl.get("resource").get("attributes").get(0).toString())
                .isEqualTo("{\"key\":\"service.name\",\"value\":{\"stringValue\":\"falco\"}}");
        JsonNode record = rl.get("scopeLogs").get(0).get("logRecords").get(0);
        assertThat(record.get("timeUnixNano").stringValue()).isEqualTo("978311400000000000");
        assertThat(record.get("severityNumber").asInt()).isEqualTo(9);
        assertThat(record.get("severityText").stringValue()).isEqualTo("INFO");
        assertThat(record.get("body").get("stringValue").stringValue()).isEqualTo("This is a test from falcosidekick");
        Map<String, String> attributes = new HashMap<>();
        record.get("attributes")
                .forEach(a -> attributes.put(
                        a.get("key").stringValue(),
                        a.get("value").get("stringValue").stringValue()));
        assertThat(attributes)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "priority", "Debug",
                        "source", "syscalls",
                        "rule", "Test rule",
                        "hostname", "test-host",
                        "tags", "example,test",
                        "timestamp", "2001-01-01 01:10:00 +0000 UTC"));
        RecordingHttpServer.Request r = collector.requests().getLast();
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("X-Api-Key")).isEqualTo("k");
    }

    @Test
    void peregrinesRecordHasTheSeverityAndTypedFields() throws Exception {
        Alert alert = SampleAlerts.alert(2).withOutputFields(Map.of("proc.pid", 4242L));
        ConfiguredOutput c = bind(settings("payloads", "peregrine")).getFirst();
        try (Output out = c.config().create(c.context())) {
            out.send(alert);
        }
        JsonNode record = FalcosidekickPayloads.JSON
                .readTree(collector.requests().getLast().body())
                .get("resourceLogs")
                .get(0)
                .get("scopeLogs")
                .get(0)
                .get("logRecords")
                .get(0);
        assertThat(record.get("severityNumber").asInt()).isEqualTo(17);
        assertThat(record.get("severityText").stringValue()).isEqualTo("Error");
        assertThat(record.get("attributes").toString())
                .contains("{\"key\":\"proc.pid\",\"value\":{\"intValue\":\"4242\"}}")
                .contains("{\"key\":\"fd.name\",\"value\":{\"stringValue\":\"/etc/cron.d/sysupdate\"}}")
                .contains("{\"key\":\"uuid\",\"value\":{\"stringValue\":\"" + alert.uuid() + "\"}}");
    }

    @Test
    void retryableAndPermanentAnswersAndVariables() throws Exception {
        ConfiguredOutput c = bind(settings()).getFirst();
        try (Output out = c.config().create(c.context())) {
            collector.answer(503);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            collector.answer(400);
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
        }
        assertThat(FalcosidekickEnvironment.translation(
                                Map.of(
                                        "OTLP_LOGS_ENDPOINT", "http://otel:4318/v1/logs",
                                        "OTLP_LOGS_PROTOCOL", "http/protobuf"),
                                OutputCatalog.scan())
                        .properties())
                .containsEntry("peregrine.outputs.otlp-logs.type", "otlp-logs")
                .containsEntry("peregrine.outputs.otlp-logs.url", "http://otel:4318/v1/logs");
        assertThat(FalcosidekickEnvironment.translation(
                                Map.of("OTLP_LOGS_ENDPOINT", "http://otel:4317", "OTLP_LOGS_PROTOCOL", "grpc"),
                                OutputCatalog.scan())
                        .refused())
                .singleElement()
                .satisfies(r -> assertThat(r.describe()).startsWith("OTLP_LOGS_PROTOCOL"));
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.otel.type", "otlp-logs")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.otel.url: must not be null"));
    }
}
