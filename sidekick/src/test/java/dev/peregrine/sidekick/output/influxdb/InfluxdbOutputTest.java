package dev.peregrine.sidekick.output.influxdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.ConfiguredOutputs;
import dev.peregrine.sidekick.testing.FalcosidekickPayloads;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.ServerProcess;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The InfluxDB output against the real influxd 1.6 (Debian's), one server for the class. */
class InfluxdbOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("influxdb", "peregrine.outputs.influxdb");
    static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;

    static ServerProcess influxd;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startInfluxd() throws Exception {
        Path binary = ServerProcess.binary("influxdb", "/usr/bin/influxd");
        int port = ServerProcess.freePort();
        Path conf = dir.resolve("influxdb.conf");
        Files.writeString(conf, """
                reporting-disabled = true
                bind-address = "127.0.0.1:%d"
                [meta]
                  dir = "%s/meta"
                [data]
                  dir = "%s/data"
                  wal-dir = "%s/wal"
                  query-log-enabled = false
                [http]
                  bind-address = "127.0.0.1:%d"
                  log-enabled = false
                """.formatted(ServerProcess.freePort(), dir, dir, dir, port));
        influxd = ServerProcess.start(
                List.of(binary.toString(), "-config", conf.toString()),
                Map.of("HOME", dir.toString()),
                dir.resolve("influxd.log"),
                port,
                Duration.ofSeconds(30));
        query("CREATE DATABASE falco");
        query("CREATE DATABASE security");
    }

    @AfterAll
    static void stopInfluxd() {
        if (influxd != null) {
            influxd.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    static String base() {
        return "http://127.0.0.1:" + influxd.port();
    }

    /** InfluxQL over /query (POST: CREATE needs it); the JSON answer. */
    static JsonNode query(String q, String... db) throws Exception {
        String uri = base() + "/query?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)
                + (db.length == 0 ? "" : "&db=" + db[0]) + "&epoch=ns";
        HttpResponse<String> r = CLIENT.send(
                HttpRequest.newBuilder(URI.create(uri))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The points of {@code events} in {@code db}, each a column → value map. */
    static List<Map<String, JsonNode>> points(String db) throws Exception {
        JsonNode series = query("SELECT * FROM events", db).at("/results/0/series/0");
        List<Map<String, JsonNode>> out = new ArrayList<>();
        if (series.isMissingNode()) {
            return out;
        }
        for (JsonNode row : series.get("values")) {
            Map<String, JsonNode> point = new HashMap<>();
            for (int i = 0; i < series.get("columns").size(); i++) {
                point.put(series.get("columns").get(i).stringValue(), row.get(i));
            }
            out.add(point);
        }
        return out;
    }

    Output output(InfluxdbConfig config) {
        Output out = config.create(CONTEXT);
        closeables.add(out);
        return out;
    }

    static InfluxdbConfig config(String url, String database) {
        return new InfluxdbConfig(
                URI.create(url),
                database,
                null,
                "falco",
                "ns",
                null,
                null,
                null,
                Duration.ofSeconds(5),
                TlsConfig.NONE);
    }

    /** Falcosidekick's influxdb_test.go expects this line for its input, without a timestamp. */
    @Test
    void theLineIsFalcosidekicksWithTheAlertsTime() {
        Alert input = FalcosidekickPayloads.input();
        String falcosidekick = "events,rule=Test_rule,priority=Debug,source=syscalls,proc.name=falcosidekick,"
                + "hostname=test-host,tags=example_test value=\"This is a test from falcosidekick\"";
        // Falco writes tags sorted (example, test); Falcosidekick's test input has them unsorted.
        assertThat(InfluxdbOutput.line(input, "ns")).isEqualTo(falcosidekick + " 978311400000000000");
        assertThat(InfluxdbOutput.line(input, "s")).endsWith("\" 978311400");
    }

    @Test
    void writesEachAlertAsAPointInTheDatabase() throws Exception {
        Output out = output(config(base(), "falco"));
        List<Alert> sent = new ArrayList<>();
        for (int i = 0; i < SampleAlerts.LINES.size(); i++) {
            Alert alert = SampleAlerts.alert(i);
            out.send(alert);
            sent.add(alert);
        }
        List<Map<String, JsonNode>> points = points("falco");
        assertThat(points).hasSize(sent.size());
        for (Alert alert : sent) {
            long ns = InfluxdbOutput.timestamp(alert.time(), "ns");
            assertThat(points).as("the point of %s", alert.rule()).anySatisfy(p -> {
                assertThat(p.get("time").asLong()).isEqualTo(ns);
                assertThat(p.get("rule").stringValue()).isEqualTo(alert.rule().replace(' ', '_'));
                assertThat(p.get("priority").stringValue())
                        .isEqualTo(alert.priority().falcoName());
                assertThat(p.get("value").stringValue()).isEqualTo(alert.output());
                assertThat(p.get("hostname").stringValue()).isEqualTo(alert.hostname());
                alert.outputFields().forEach((k, v) -> {
                    if (v instanceof String text && !text.isEmpty() && p.containsKey(k)) {
                        assertThat(p.get(k).stringValue()).isEqualTo(text.replace(' ', '_'));
                    }
                });
            });
        }
        // Every text output field of every sample became a tag (none lost to escaping).
        assertThat(points.stream()
                        .mapToLong(p ->
                                p.values().stream().filter(v -> !v.isNull()).count())
                        .sum())
                .isGreaterThan(points.size() * 6L);
    }

    @Test
    void aRedeliveredAlertOverwritesItsOwnPoint() throws Exception {
        Output out = output(config(base(), "security"));
        Alert alert = SampleAlerts.alert(2);
        out.send(alert);
        out.send(alert);
        assertThat(points("security")).hasSize(1);
    }

    @Test
    void aMissingDatabaseIsRefusedAndAServerThatIsDownIsRetried() {
        Output missing = output(config(base(), "nosuchdb"));
        assertThatThrownBy(() -> missing.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("database not found");
        Output down = output(config("http://127.0.0.1:" + ServerProcess.freePort(), "falco"));
        assertThatThrownBy(() -> down.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void falcosidekicksVariablesMakeTheOutput() throws Exception {
        query("CREATE DATABASE fromenv");
        var translation = FalcosidekickEnvironment.translation(
                Map.of(
                        "INFLUXDB_HOSTPORT", base(),
                        "INFLUXDB_DATABASE", "fromenv",
                        "INFLUXDB_PRECISION", "ms",
                        "INFLUXDB_MINIMUMPRIORITY", "notice"),
                OutputCatalog.scan());
        assertThat(translation.refused()).isEmpty();
        ConfiguredOutput configured =
                ConfiguredOutputs.bind(new HashMap<>(translation.properties())).getFirst();
        assertThat(configured.name()).isEqualTo("influxdb");
        assertThat(configured.settings().minimumPriority()).isEqualTo("notice");
        Output out = configured.config().create(configured.context());
        closeables.add(out);
        Alert alert = SampleAlerts.alert(7);
        out.send(alert);
        assertThat(points("fromenv"))
                .singleElement()
                .satisfies(p -> assertThat(p.get("time").asLong())
                        .isEqualTo(alert.time().toEpochMilli() * 1_000_000));
    }

    @Test
    void v2WritesToTheBucketWithAToken() {
        InfluxdbConfig v2 = new InfluxdbConfig(
                URI.create("http://influx:8086/"),
                "falco",
                "my org",
                "alerts",
                "ms",
                null,
                null,
                "t0ken",
                Duration.ofSeconds(5),
                TlsConfig.NONE);
        assertThat(v2.writeUri("k"))
                .hasToString("http://influx:8086/api/v2/write?org=my+org&bucket=alerts&precision=ms");
        assertThat(config("http://influx:8086", "falco").writeUri("k"))
                .hasToString("http://influx:8086/write?db=falco&precision=ns");
    }

    @Test
    void badSettingsStopStartupNamingTheKey() {
        assertThatThrownBy(() -> new InfluxdbConfig(
                                URI.create("http://i:8086"),
                                "falco",
                                null,
                                "falco",
                                "h",
                                null,
                                null,
                                null,
                                Duration.ofSeconds(5),
                                TlsConfig.NONE)
                        .create(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.influxdb.precision");
        assertThatThrownBy(() -> new InfluxdbConfig(
                                URI.create("http://i:8086"),
                                "falco",
                                null,
                                "falco",
                                "ns",
                                "u",
                                "p",
                                "t",
                                Duration.ofSeconds(5),
                                TlsConfig.NONE)
                        .create(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.influxdb.token");
        assertThatThrownBy(() -> config("ftp://i:8086", "falco").create(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.influxdb.url");
    }
}
