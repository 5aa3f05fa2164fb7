package dev.peregrine.sidekick.output.splunk;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.spool.SpoolEntry;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Splunk HEC output against a real HTTP endpoint on loopback, checking HEC's wire format. */
class SplunkOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    final RecordingHttpServer splunk = new RecordingHttpServer();

    @AfterEach
    void stop() {
        splunk.close();
    }

    Map<String, Object> settings(String... more) {
        Map<String, Object> p = new HashMap<>(Map.of(
                "peregrine.outputs.hec.type", "splunk",
                "peregrine.outputs.hec.url", splunk.uri().toString(),
                "peregrine.outputs.hec.token", "0b4f2e6a-hec"));
        for (int i = 0; i < more.length; i += 2) {
            p.put("peregrine.outputs.hec." + more[i], more[i + 1]);
        }
        return p;
    }

    /** Falcosidekick's TestNewSplunkPayload: the Falco payload as the event, sourcetype falcosidekick. */
    @Test
    void falcosidekicksEventForTheSameAlert() throws Exception {
        Alert input = FalcosidekickPayloads.input();
        JsonNode body = FalcosidekickPayloads.sent(splunk, settings(), input);

        RecordingHttpServer.Request r = splunk.requests().getLast();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hook");
        assertThat(r.header("Authorization")).isEqualTo("Splunk 0b4f2e6a-hec");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("event", "sourcetype");
        assertThat(body.get("sourcetype").stringValue()).isEqualTo("falcosidekick");
        JsonNode event = body.get("event");
        assertThat(event.get("rule").stringValue()).isEqualTo("Test rule");
        assertThat(event.get("priority").stringValue()).isEqualTo("Debug");
        assertThat(event.get("output").stringValue()).isEqualTo("This is a test from falcosidekick");
        assertThat(Instant.parse(event.get("time").stringValue())).isEqualTo(Instant.parse("2001-01-01T01:10:00Z"));
        assertThat(event.get("source").stringValue()).isEqualTo("syscalls");
        assertThat(event.get("hostname").stringValue()).isEqualTo("test-host");
        assertThat(event.get("output_fields").get("proc.name").stringValue()).isEqualTo("falcosidekick");
        assertThat(event.get("output_fields").get("proc.tty").asLong()).isEqualTo(1234);
        assertThat(event.get("uuid").stringValue()).isEqualTo(input.uuid());
    }

    /** The spooled JSON goes out byte for byte; Peregrine's payloads add HEC's time and host. */
    @Test
    void spooledJsonAsTheEventWithTimeHostIndexAndSource() throws Exception {
        Alert alert = SampleAlerts.alert(2);
        byte[] spooled = AlertJson.write(alert);
        ConfiguredOutput configured = bind(settings(
                        "payloads", "peregrine",
                        "index", "falco",
                        "source", "peregrine:eu-west-1",
                        "source-type", "falco:alert",
                        "headers.X-Tenant", "blue"))
                .getFirst();
        try (Output out = configured.config().create(configured.context())) {
            out.send(new SpooledAlert(new SpoolEntry(1, "hec", alert.uuid(), 0, spooled), Instant::now));
        }
        RecordingHttpServer.Request r = splunk.requests().getLast();
        assertThat(r.header("X-Tenant")).isEqualTo("blue");
        assertThat(r.header(IdempotencyKey.HEADER)).isEqualTo(alert.uuid());
        assertThat(r.body()).startsWith("{\"event\":" + new String(spooled, StandardCharsets.UTF_8) + ",");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("sourcetype").stringValue()).isEqualTo("falco:alert");
        assertThat(body.get("index").stringValue()).isEqualTo("falco");
        assertThat(body.get("source").stringValue()).isEqualTo("peregrine:eu-west-1");
        assertThat(body.get("host").stringValue()).isEqualTo(alert.hostname());
        // Read as text: a double would round the nanoseconds
        assertThat(r.body())
                .contains(",\"time\":" + alert.time().getEpochSecond() + "."
                        + String.format("%09d", alert.time().getNano()).replaceAll("0+$", "") + ",");
    }

    @Test
    void aFullQueueIsRetriedABadTokenIsPermanent() throws Exception {
        ConfiguredOutput configured = bind(settings()).getFirst();
        try (Output out = configured.config().create(configured.context())) {
            splunk.answer(503); // HEC: "Server is busy"
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            splunk.answer(403); // HEC: "Invalid token"
            assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isFalse());
        }
    }

    @Test
    void falcosidekicksVariablesAndConfigErrors() {
        Map<String, Object> props = FalcosidekickEnvironment.translation(
                        Map.of(
                                "SPLUNK_HOST",
                                "https://splunk.example.com:8088/services/collector/event",
                                "SPLUNK_TOKEN",
                                "t0k",
                                "SPLUNK_CUSTOMHEADERS",
                                "X-Tenant:blue",
                                "SPLUNK_MINIMUMPRIORITY",
                                "warning"),
                        OutputCatalog.scan())
                .properties();
        assertThat(props)
                .containsEntry("peregrine.outputs.splunk.type", "splunk")
                .containsEntry(
                        "peregrine.outputs.splunk.url", "https://splunk.example.com:8088/services/collector/event")
                .containsEntry("peregrine.outputs.splunk.token", "t0k")
                .containsEntry("peregrine.outputs.splunk.headers.X-Tenant", "blue")
                .containsEntry("peregrine.outputs.splunk.minimum-priority", "warning");
        assertThat(bind(props).getFirst().config())
                .isInstanceOfSatisfying(
                        SplunkConfig.class, c -> assertThat(c.sourceType()).isEqualTo("falcosidekick"));

        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.hec.type", "splunk")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).contains("peregrine.outputs.hec.url: must not be null"));
        ConfiguredOutput noScheme = bind(Map.of(
                        "peregrine.outputs.hec.type", "splunk",
                        "peregrine.outputs.hec.url", "splunk:8088/services/collector"))
                .getFirst();
        assertThatThrownBy(() -> noScheme.config().create(noScheme.context()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.hec.url: must be an http or https URL"));
    }
}
