package dev.peregrine.sidekick.output.loki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.PayloadStyle;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Loki output against a loopback receiver: the push API's JSON, byte for byte. */
class LokiOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads; Falcosidekick's are the FalcosidekickPayloadTest's. */
    static final OutputContext CONTEXT =
            new OutputContext("logs", "peregrine.outputs.logs", PayloadStyle.PEREGRINE, Set.of());

    final RecordingHttpServer loki = new RecordingHttpServer();

    @AfterEach
    void stop() {
        loki.close();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + loki.port());
    }

    static LokiConfig config(
            URI url,
            String format,
            List<String> fields,
            Map<String, String> extra,
            String tenant,
            String username,
            String password) {
        return new LokiConfig(
                url,
                "/loki/api/v1/push",
                format,
                fields,
                extra,
                tenant,
                username,
                password,
                Map.of(),
                Duration.ofSeconds(5),
                TlsConfig.NONE);
    }

    static void send(LokiConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
    }

    static String quoted(String s) {
        return JSON.writeValueAsString(s);
    }

    @Test
    void pushesOneStreamWithLabelsAndTheOutputLine() throws Exception {
        Alert alert = SampleAlerts.alert(0);
        send(
                config(
                        base(),
                        "text",
                        List.of("k8s.ns.name", "k8s.pod.name", "proc.tty", "fd.name"),
                        Map.of("cluster", "prod-eu"),
                        null,
                        null,
                        null),
                alert);

        RecordingHttpServer.Request r = loki.requests().getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/loki/api/v1/push");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("X-Scope-OrgID")).isNull();
        assertThat(r.header("Authorization")).isNull();
        // Labels in name order; fd.name is not in this alert, so no label; the time in nanoseconds, as a string.
        assertThat(r.body())
                .isEqualTo("{\"streams\":[{\"stream\":{"
                        + "\"cluster\":\"prod-eu\","
                        + "\"hostname\":\"ip-10-0-1-23.eu-west-1.compute.internal\","
                        + "\"k8s_ns_name\":\"shop\","
                        + "\"k8s_pod_name\":\"web-frontend-7c9d8f6b5-x2kqp\","
                        + "\"priority\":\"Notice\","
                        + "\"proc_tty\":\"34816\","
                        + "\"rule\":\"Terminal shell in container\","
                        + "\"source\":\"syscall\","
                        + "\"tags\":\"T1059,container,maturity_stable,mitre_execution,shell\"},"
                        + "\"values\":[[\"1763630042118734512\"," + quoted(alert.output()) + "]]}]}");
    }

    @Test
    void jsonFormatSendsFalcoJsonAsTheLine() throws Exception {
        Alert alert = SampleAlerts.alert(2);
        send(config(base(), "json", List.of(), Map.of(), null, null, null), alert);

        JsonNode body = JSON.readTree(loki.requests().getFirst().body());
        JsonNode entry = body.get("streams").get(0).get("values").get(0);
        assertThat(entry.get(0).stringValue()).isEqualTo("1763632931734400921");
        assertThat(entry.get(1).stringValue()).isEqualTo(new String(AlertJson.write(alert), StandardCharsets.UTF_8));
        assertThat(body.get("streams").get(0).get("stream").propertyNames())
                .containsExactly("hostname", "priority", "rule", "source", "tags");
    }

    @Test
    void tenantHeaderAndBasicAuth() throws Exception {
        send(config(base(), "text", List.of(), Map.of(), "team-sec", "123456", "glc_tok:en"), SampleAlerts.alert(1));

        RecordingHttpServer.Request r = loki.requests().getFirst();
        assertThat(r.header("X-Scope-OrgID")).isEqualTo("team-sec");
        assertThat(r.header("Authorization"))
                .isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("123456:glc_tok:en".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void emptyValuesMakeNoLabelAndExtraLabelsWin() throws Exception {
        Alert a = SampleAlerts.alert(2); // container.image.repository is "", k8s.ns.name is null
        Alert alert = new Alert(
                a.uuid(),
                Instant.parse("2025-11-20T10:02:11Z"),
                a.rule(),
                a.priority(),
                "",
                a.output(),
                a.outputFields(),
                List.of(),
                "",
                null,
                null);
        send(
                config(
                        base(),
                        "text",
                        List.of("container.image.repository", "k8s.ns.name", "proc.aname[2]"),
                        Map.of("rule", "overridden"),
                        null,
                        null,
                        null),
                alert);

        JsonNode body = JSON.readTree(loki.requests().getFirst().body());
        assertThat(body.get("streams").get(0).get("stream"))
                .isEqualTo(JSON.readTree("{\"priority\":\"Error\",\"proc_aname_2\":\"sh\",\"rule\":\"overridden\"}"));
        assertThat(body.get("streams").get(0).get("values").get(0).get(0).stringValue())
                .isEqualTo("1763632931000000000");
    }

    @Test
    void theEndpointIsAddedToTheUrlOnce() {
        assertThat(config(URI.create("http://loki:3100/"), "text", List.of(), Map.of(), null, null, null)
                        .pushUri())
                .hasToString("http://loki:3100/loki/api/v1/push");
        assertThat(config(
                                URI.create("https://logs.grafana.net/loki/api/v1/push"),
                                "text",
                                List.of(),
                                Map.of(),
                                null,
                                null,
                                null)
                        .pushUri())
                .hasToString("https://logs.grafana.net/loki/api/v1/push");
    }

    @ParameterizedTest
    @CsvSource({"500, true", "503, true", "429, true", "400, false", "401, false", "404, false"})
    void statusDecidesWhetherRetryingCanHelp(int status, boolean retryable) {
        loki.answer(status);
        assertThatThrownBy(() ->
                        send(config(base(), "text", List.of(), Map.of(), null, null, null), SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isEqualTo(retryable);
                    assertThat(e.getMessage()).contains("answered " + status);
                });
    }

    @Test
    void connectionRefusedIsRetryable() throws Exception {
        int closedPort = Loopback.closedPort();
        assertThatThrownBy(() -> send(
                        config(
                                URI.create("http://127.0.0.1:" + closedPort),
                                "text",
                                List.of(),
                                Map.of(),
                                null,
                                null,
                                null),
                        SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void aSlowLokiIsATimeoutAndRetryable() {
        loki.delay(Duration.ofSeconds(3));
        LokiConfig c = new LokiConfig(
                base(),
                "/loki/api/v1/push",
                "text",
                List.of(),
                Map.of(),
                null,
                null,
                null,
                Map.of(),
                Duration.ofMillis(300),
                TlsConfig.NONE);
        assertThatThrownBy(() -> send(c, SampleAlerts.alert(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).containsIgnoringCase("timed out");
        });
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "loki:3100 | | | peregrine.outputs.logs.url: must be an http or https URL",
                "http://loki:3100 | team-name | | peregrine.outputs.logs.extra-labels.team-name: not a label name",
                "http://loki:3100 | __name | | peregrine.outputs.logs.extra-labels.__name: not a label name",
                "http://loki:3100 | | ... | peregrine.outputs.logs.output-fields[0]: not an output field name"
            })
    void unusableSettingsStopStartupNamingTheKey(String url, String label, String field, String expected) {
        LokiConfig c = config(
                URI.create(url),
                "text",
                field == null ? List.of() : List.of(field),
                label == null ? Map.of() : Map.of(label, "x"),
                null,
                null,
                null);
        assertThatThrownBy(() -> c.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }
}
