package dev.peregrine.detector.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peregrine.contract.v1.Alert;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.LoadCode;
import dev.peregrine.detector.transport.NodeSpool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node's wiring that runs without privilege, with its real parts: rules, the metrics server
 * on loopback, the record file, the node spool on disk and the sidekick link to a port where no
 * sidekick listens. The live path (capture, tables) is {@link DetectorNodeLiveTest}.
 */
class DetectorNodeTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** An untrusted program reading /etc/shadow: the stable rule "Read sensitive file untrusted". */
    static final String SHADOW_READ = """
            {"ts":1763630077502981066,"type":"openat","res":3,"args":{"name":"/etc/shadow","flags":"O_RDONLY"},\
            "proc":{"pid":9,"name":"cat","args":["/etc/shadow"],"tty":0},"ancestors":[{"pid":8,"name":"bash"}],\
            "user":{"uid":0,"name":"root","loginuid":-1},"fd":{"num":3,"type":"file","name":"/etc/shadow"}}""";

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    DetectorNode node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    static NodeSettings.Builder settings() {
        return NodeSettings.builder(Map.of()).metricsPort(0).hostname("node-1");
    }

    DetectorNode open(NodeSettings settings) throws Exception {
        return DetectorNode.open(
                settings,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A Prometheus series' value, or null when the page does not have it. */
    static Double metric(int port, String series) throws Exception {
        return get(port, "/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(series + " "))
                .map(l -> Double.valueOf(l.substring(series.length() + 1)))
                .findFirst()
                .orElse(null);
    }

    /** A loopback port where nothing listens (it was free a moment ago). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void assertNothingListensOn(int port) {
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void rulesThatDoNotLoadStopTheNodeWithTheirErrors() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad, "- rule: R\n  desc: d\n  condition: evt.type = open and\n  output: o\n  priority: INFO\n");
        assertThatThrownBy(() -> open(settings().rules(bad).build()))
                .isInstanceOfSatisfying(DetectorNode.RulesNotLoaded.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().getFirst().code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
                    assertThat(e.errors().getFirst().toString())
                            .startsWith(bad + ":3:33: error LOAD_ERR_COMPILE_CONDITION (rule 'R')");
                });
        assertThat(err()).as("nothing was started").isEmpty();
    }

    @Test
    void theMetricsServerAnswersUntilTheNodeCloses() throws Exception {
        node = open(settings().build());
        int port = node.metricsPort();
        assertThat(port).isPositive();
        assertThat(err())
                .isEqualTo("run: " + node.ruleset().rules().size() + " rules loaded; metrics on http://0.0.0.0:" + port
                        + "/metrics\n");
        assertThat(node.ruleset().rules()).as("the bundled stable rules").hasSizeGreaterThan(20);

        HttpResponse<String> r = get(port, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).as("no sidekick, no link").doesNotContain("peregrine_detector_transport");

        node.close();
        node = null;
        assertNothingListensOn(port);
    }

    @Test
    void anAlertIsFormattedOncePrintedAndSpooledWhileTheSidekickIsAway() throws Exception {
        int sidekick = closedPort();
        Path spoolDir = dir.resolve("spool");
        node = open(settings()
                .sidekick("127.0.0.1:" + sidekick)
                .spoolDir(spoolDir)
                .nodeName("worker-7")
                .build());
        int port = node.metricsPort();
        assertThat(err().lines().toList())
                .containsExactly(
                        "run: " + node.ruleset().rules().size() + " rules loaded; metrics on http://0.0.0.0:" + port
                                + "/metrics",
                        "run: sending alerts to the sidekick at 127.0.0.1:" + sidekick + "; node spool "
                                + spoolDir.toAbsolutePath() + " (0 waiting)");
        // The link keeps trying the closed port, counted as reconnects, and never connects.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> metric(port, "peregrine_detector_transport_reconnects_total"), n -> n != null && n >= 1);
        assertThat(metric(port, "peregrine_detector_transport_connected")).isZero();

        Event e = EventJson.parse(SHADOW_READ);
        CompiledRule rule = node.ruleset().firstMatch(e);
        assertThat(rule.name()).isEqualTo("Read sensitive file untrusted");
        node.alert(rule, e);
        List<String> lines = out().lines().toList();
        assertThat(lines).hasSize(1);
        JsonNode json = MAPPER.readTree(lines.getFirst());
        assertThat(json.get("rule").asString()).isEqualTo(rule.name());
        assertThat(json.get("hostname").asString()).isEqualTo("node-1");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> metric(port, "peregrine_detector_spool_alerts"), n -> n != null && n == 1);

        node.close();
        node = null;
        assertNothingListensOn(port);
        // What waits in the spool for the sidekick is the alert stdout showed.
        try (NodeSpool spool = new NodeSpool(spoolDir, 1 << 20, false)) {
            List<NodeSpool.Entry> waiting = spool.next(0, 10, 0);
            assertThat(waiting).hasSize(1);
            Alert a = waiting.getFirst().alert();
            assertThat(a.getOutput()).isEqualTo(json.get("output").asString());
            assertThat(a.getRule()).isEqualTo(rule.name());
            assertThat(a.getHostname()).isEqualTo("node-1");
            assertThat(a.getOutputFieldsMap().keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            json.get("output_fields").propertyNames());
            assertThat(UUID.fromString(a.getUuid()).version()).isEqualTo(7);
        }
    }

    @Test
    void captureOpensItsRecordFileAndNoSpool() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Path spoolDir = dir.resolve("spool");
        node = open(settings()
                .recordTo(events)
                .sidekick("127.0.0.1:" + closedPort())
                .spoolDir(spoolDir)
                .build());
        assertThat(err())
                .isEqualTo("capture: " + node.ruleset().rules().size() + " rules loaded; metrics on http://0.0.0.0:"
                        + node.metricsPort() + "/metrics\n");
        assertThat(events).exists();
        assertThat(spoolDir).as("capture sends nothing").doesNotExist();
        assertThat(get(node.metricsPort(), "/metrics").body()).doesNotContain("peregrine_detector_transport");
    }

    @Test
    void aSpoolThatCannotBeOpenedStopsTheNodeAndClosesWhatItStarted() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        int port = closedPort();
        assertThatThrownBy(() -> open(settings()
                        .metricsPort(port)
                        .sidekick("127.0.0.1:" + closedPort())
                        .spoolDir(file.resolve("spool"))
                        .build()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot open the node spool under "
                        + file.resolve("spool").toAbsolutePath());
        assertThat(err()).startsWith("run: ").contains("metrics on http://0.0.0.0:" + port + "/metrics");
        assertNothingListensOn(port);
    }

    @Test
    void aMetricsPortInUseStopsTheNode() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            assertThatThrownBy(() ->
                            open(settings().metricsPort(taken.getLocalPort()).build()))
                    .isInstanceOf(IOException.class);
        }
        assertThat(err()).isEmpty();
    }
}
