package dev.peregrine.sidekick.output.pagerduty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The PagerDuty output against a loopback receiver answering as the Events API v2 does. */
class PagerdutyOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads; Falcosidekick's are the FalcosidekickPayloadTest's. */
    static final OutputContext CONTEXT =
            new OutputContext("oncall", "peregrine.outputs.oncall", PayloadStyle.PEREGRINE, Set.of());

    static final String KEY = "R0123456789abcdef0123456789abcde";

    final RecordingHttpServer pagerduty = new RecordingHttpServer();

    PagerdutyOutputTest() {
        pagerduty.answer(202); // "Event processed"
    }

    @AfterEach
    void stop() {
        pagerduty.close();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + pagerduty.port() + "/v2/enqueue");
    }

    PagerdutyConfig config(String summary, String dedupKey, Map<String, String> severity) {
        return new PagerdutyConfig(
                KEY, "us", url(), summary, dedupKey, severity, Duration.ofSeconds(5), TlsConfig.NONE);
    }

    static void send(PagerdutyConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
    }

    JsonNode lastEvent() {
        return JSON.readTree(pagerduty.requests().getLast().body());
    }

    @Test
    void triggersAnEventWithTheUuidAsDedupKey() throws Exception {
        Alert alert = SampleAlerts.alert(7); // Warning, on a host (no container, no namespace)
        send(config(null, null, Map.of()), alert);

        RecordingHttpServer.Request r = pagerduty.requests().getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v2/enqueue");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.body())
                .isEqualTo("{\"routing_key\":\"" + KEY + "\",\"event_action\":\"trigger\","
                        + "\"dedup_key\":\"" + alert.uuid() + "\","
                        + "\"payload\":{\"summary\":" + JSON.writeValueAsString(alert.output()) + ","
                        + "\"source\":\"db-prod-02\",\"severity\":\"warning\","
                        + "\"timestamp\":\"2025-11-21T03:05:56.918273645Z\",\"class\":\"Clear Log Activities\","
                        + "\"custom_details\":{\"rule\":\"Clear Log Activities\",\"priority\":\"Warning\",\"source\":\"syscall\","
                        + "\"hostname\":\"db-prod-02\","
                        + "\"tags\":\"NIST_800-53_AU-10, T1070, container, filesystem, host, maturity_stable, mitre_defense_evasion\","
                        + "\"uuid\":\"" + alert.uuid() + "\","
                        + "\"container.id\":\"host\",\"container.image.repository\":\"\",\"container.image.tag\":\"\","
                        + "\"container.name\":\"host\",\"evt.time\":1763694356918273645,\"evt.type\":\"openat\","
                        + "\"fd.name\":\"/var/log/auth.log\",\"k8s.ns.name\":null,\"k8s.pod.name\":null,"
                        + "\"proc.cmdline\":\"truncate -s 0 /var/log/auth.log\",\"proc.exepath\":\"/usr/bin/truncate\","
                        + "\"proc.name\":\"truncate\",\"proc.pname\":\"bash\",\"proc.tty\":34818,\"user.loginuid\":1002,"
                        + "\"user.name\":\"root\",\"user.uid\":0}},"
                        + "\"client\":\"Peregrine\"}");
    }

    @Test
    void aContainerAlertNamesItsComponentAndGroup() throws Exception {
        Alert alert = SampleAlerts.alert(4); // Critical, container payments-api in namespace payments
        send(config(null, null, Map.of()), alert);

        JsonNode payload = lastEvent().get("payload");
        assertThat(payload.get("severity").stringValue()).isEqualTo("critical");
        assertThat(payload.get("component").stringValue()).isEqualTo("payments-api");
        assertThat(payload.get("group").stringValue()).isEqualTo("payments");
        assertThat(payload.get("source").stringValue()).isEqualTo("gke-prod-pool-1-8f3a2c1d-q7lm");
        assertThat(payload.get("custom_details").get("proc.cmdline").stringValue())
                .isEqualTo("kworkerd -o pool.example.net:3333 --donate-level 0");
    }

    @ParameterizedTest
    @CsvSource({
        "EMERGENCY, critical",
        "ALERT, critical",
        "CRITICAL, critical",
        "ERROR, error",
        "WARNING, warning",
        "NOTICE, info",
        "INFORMATIONAL, info",
        "DEBUG, info"
    })
    void severityByPriority(Priority priority, String expected) throws Exception {
        Alert a = SampleAlerts.alert(0);
        send(
                config(null, null, Map.of()),
                new Alert(
                        a.uuid(),
                        a.time(),
                        a.rule(),
                        priority,
                        a.source(),
                        a.output(),
                        a.outputFields(),
                        a.tags(),
                        a.hostname(),
                        null,
                        null));
        assertThat(lastEvent().get("payload").get("severity").stringValue()).isEqualTo(expected);
    }

    @Test
    void templatesForSummaryAndDedupKeyAndSeverityOverrides() throws Exception {
        Alert alert = SampleAlerts.alert(0); // Notice
        send(
                config(
                        "[{{ priority }}] {{ rule }} in {{ output_fields[\"k8s.ns.name\"] }}",
                        "{{ rule }}@{{ hostname }}",
                        Map.of("notice", "Warning")),
                alert);

        JsonNode e = lastEvent();
        assertThat(e.get("dedup_key").stringValue())
                .isEqualTo("Terminal shell in container@ip-10-0-1-23.eu-west-1.compute.internal");
        assertThat(e.get("payload").get("summary").stringValue())
                .isEqualTo("[Notice] Terminal shell in container in shop");
        assertThat(e.get("payload").get("severity").stringValue()).isEqualTo("warning");
    }

    @Test
    void theSummaryIsCutToPagerDutysLimit() throws Exception {
        Alert a = SampleAlerts.alert(0);
        Alert longOne = new Alert(
                a.uuid(),
                a.time(),
                a.rule(),
                a.priority(),
                a.source(),
                "y".repeat(5000),
                a.outputFields(),
                a.tags(),
                "",
                null,
                null);
        send(config(null, null, Map.of()), longOne);
        JsonNode payload = lastEvent().get("payload");
        assertThat(payload.get("summary").stringValue()).hasSize(1024).endsWith("y...");
        assertThat(payload.get("source").stringValue()).isEqualTo("falco"); // no hostname: as Falcosidekick
    }

    @ParameterizedTest
    @CsvSource({"500, true", "502, true", "429, true", "400, false", "403, false", "404, false"})
    void statusDecidesWhetherRetryingCanHelp(int status, boolean retryable) {
        pagerduty.answer(status);
        assertThatThrownBy(() -> send(config(null, null, Map.of()), SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(DeliveryException.class, e -> {
                    assertThat(e.retryable()).isEqualTo(retryable);
                    assertThat(e.getMessage()).contains("answered " + status);
                });
    }

    @Test
    void connectionRefusedIsRetryable() throws Exception {
        int closedPort = Loopback.closedPort();
        PagerdutyConfig c = new PagerdutyConfig(
                KEY,
                "us",
                URI.create("http://127.0.0.1:" + closedPort + "/v2/enqueue"),
                null,
                null,
                Map.of(),
                Duration.ofSeconds(5),
                TlsConfig.NONE);
        assertThatThrownBy(() -> send(c, SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void aTemplateThatFailsOnAnAlertCostsTheCustomTextNotThePage() throws Exception {
        Alert alert = SampleAlerts.alert(0);
        // Division by zero, found only when rendering.
        send(config("{{ output_fields[\"proc.tty\"] / 0 }}", "{{ rule / 0 }}", Map.of()), alert);

        JsonNode e = lastEvent();
        assertThat(e.get("payload").get("summary").stringValue()).isEqualTo(alert.output());
        assertThat(e.get("dedup_key").stringValue()).isEqualTo(alert.uuid());
    }

    @Test
    void theRegionChoosesTheEndpoint() {
        assertThat(PagerdutyConfig.US).hasToString("https://events.pagerduty.com/v2/enqueue");
        assertThat(PagerdutyConfig.EU).hasToString("https://events.eu.pagerduty.com/v2/enqueue");
        for (String region : List.of("us", "EU")) {
            try (Output out = new PagerdutyConfig(
                            KEY, region, null, null, null, Map.of(), Duration.ofSeconds(5), TlsConfig.NONE)
                    .create(CONTEXT)) {
                assertThat(((PagerdutyOutput) out).endpoint())
                        .isEqualTo(region.equals("us") ? PagerdutyConfig.US : PagerdutyConfig.EU);
            }
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "events.pagerduty.com | | | peregrine.outputs.oncall.url: must be an http or https URL",
                "http://x | loud | | peregrine.outputs.oncall.severity.loud: unknown priority 'loud'",
                "http://x | notice | page | peregrine.outputs.oncall.severity.notice: must be critical, error, warning or info",
                "http://x | | {{ rule | peregrine.outputs.oncall.summary-template: template error"
            })
    void unusableSettingsStopStartupNamingTheKey(String url, String priority, String value, String expected) {
        boolean template = value != null && value.startsWith("{{");
        PagerdutyConfig c = new PagerdutyConfig(
                KEY,
                "us",
                URI.create(url),
                template ? value : null,
                null,
                priority == null ? Map.of() : Map.of(priority, value == null ? "info" : value),
                Duration.ofSeconds(5),
                TlsConfig.NONE);
        assertThatThrownBy(() -> c.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }
}
