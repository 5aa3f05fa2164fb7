package dev.peregrine.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The whole product as a user runs it: the detector (root, eBPF, stable rules) streaming to the
 * sidekick over gRPC, the sidekick delivering to a webhook. Real processes, killed for real.
 */
@Needs(Need.BPF)
class DetectorToSidekickTest {
    static final String RULE = "Read sensitive file untrusted";

    @TempDir
    Path dir;

    final List<Product.Running> started = new ArrayList<>();
    Webhook webhook;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Product.Running r : started) {
            r.stop();
        }
        if (webhook != null) {
            webhook.close();
        }
    }

    Product.Running track(Product.Running r) {
        started.add(r);
        return r;
    }

    /** Reads /etc/shadow from an untrusted program; the marker lands in proc.cmdline. */
    static void readShadow(String marker) throws Exception {
        Process p = new ProcessBuilder("/bin/cat", "/etc/shadow", "/nonexistent/" + marker)
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    List<JsonNode> delivered(String marker) {
        return webhook.alerts(RULE).stream()
                .filter(a ->
                        a.get("output_fields").get("proc.cmdline").stringValue().contains(marker))
                .toList();
    }

    String[] sidekickArgs(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--peregrine.outputs.siem.type=webhook",
                "--peregrine.outputs.siem.url=" + webhook.url(),
                "--peregrine.outputs.siem.retry.max-backoff=1s"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void anAlertTravelsFromTheKernelToTheWebhookWithTheNodeIdentity() throws Exception {
        webhook = new Webhook();
        int grpc = Product.freePort();
        track(Product.sidekick(dir, Product.freePort(), grpc, sidekickArgs("--peregrine.intake.token=t0ken")));
        track(Product.detector(
                dir, Product.freePort(), "--sidekick", "127.0.0.1:" + grpc, "--sidekick-token", "t0ken"));

        String marker = "m-" + UUID.randomUUID();
        readShadow(marker);
        Product.await(Duration.ofSeconds(60), () -> !delivered(marker).isEmpty(), () -> "the alert at the webhook");
        JsonNode a = delivered(marker).getFirst();
        assertThat(a.get("priority").stringValue()).isEqualTo("Warning");
        assertThat(a.get("source").stringValue()).isEqualTo("syscall");
        assertThat(a.get("hostname").stringValue()).isEqualTo("e2e-node");
        assertThat(a.get("uuid").stringValue()).hasSize(36);
        JsonNode f = a.get("output_fields");
        assertThat(f.get("fd.name").stringValue()).isEqualTo("/etc/shadow");
        assertThat(f.get("proc.name").stringValue()).isEqualTo("cat");
        assertThat(f.get("user.name").stringValue()).isEqualTo("root");
        assertThat(f.get("container.id").stringValue()).isEqualTo("host");
        assertThat(a.get("output").stringValue())
                .contains("Sensitive file opened for reading by non-trusted program")
                .contains("file=/etc/shadow");
        assertThat(a.get("origin").get("node_name").stringValue()).isEqualTo("worker-7");
        assertThat(a.get("origin").get("cluster_name").stringValue()).isEqualTo("e2e");
    }

    @Test
    void killingTheSidekickUnderLoadLosesNothingAndDuplicatesNothing() throws Exception {
        webhook = new Webhook();
        int http = Product.freePort();
        int grpc = Product.freePort();
        Product.Running sidekick = Product.sidekick(dir, http, grpc, sidekickArgs());
        track(Product.detector(dir, Product.freePort(), "--sidekick", "127.0.0.1:" + grpc));
        String run = "k-" + UUID.randomUUID();

        for (int i = 0; i < 15; i++) {
            readShadow(run + "-" + i + "-");
        }
        // Kill once the first alerts were delivered: a kill between a destination's answer and the
        // spool's commit would redeliver (at least once); the test is about the detector side.
        Product.await(
                Duration.ofSeconds(60),
                () -> delivered(run).stream()
                                .map(DetectorToSidekickTest::marker)
                                .distinct()
                                .count()
                        == 15,
                () -> delivered(run).size() + " of the first 15 delivered");
        sidekick.kill();
        for (int i = 15; i < 40; i++) {
            readShadow(run + "-" + i + "-");
        }
        track(Product.sidekick(dir, http, grpc, sidekickArgs()));

        Product.await(
                Duration.ofSeconds(120),
                () -> delivered(run).stream()
                                .map(DetectorToSidekickTest::marker)
                                .distinct()
                                .count()
                        == 40,
                () -> delivered(run).size() + " of 40 delivered");
        Map<String, Long> perAlert = delivered(run).stream()
                .collect(Collectors.groupingBy(DetectorToSidekickTest::marker, Collectors.counting()));
        assertThat(perAlert.keySet())
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 40)
                        .mapToObj(i -> run + "-" + i + "-")
                        .toList());
        assertThat(perAlert)
                .as("each alert delivered exactly once")
                .allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }

    static String marker(JsonNode alert) {
        String cmd = alert.get("output_fields").get("proc.cmdline").stringValue();
        return cmd.substring(cmd.lastIndexOf('/') + 1);
    }

    @Test
    void aDetectorKilledWithUnacknowledgedAlertsSendsThemAfterRestart() throws Exception {
        webhook = new Webhook();
        int grpc = Product.freePort(); // nothing listens there yet
        int metrics = Product.freePort();
        Product.Running detector = Product.detector(dir, metrics, "--sidekick", "127.0.0.1:" + grpc);
        String run = "d-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            readShadow(run + "-" + i + "-");
        }
        // Committed in the node spool's database, as a separate reader sees it: the metric would
        // count other processes' alerts on a shared host too, and an alert not yet committed is
        // rightly lost to kill -9.
        Path spool = dir.resolve("detector-spool/alerts.db");
        Product.await(
                Duration.ofSeconds(60),
                () -> spooled(spool, run) == 5,
                () -> spooled(spool, run) + " of 5 alerts committed in " + spool + "; detector log:\n"
                        + detector.logText());
        detector.kill();

        track(Product.sidekick(dir, Product.freePort(), grpc, sidekickArgs()));
        track(Product.detector(dir, metrics, "--sidekick", "127.0.0.1:" + grpc));
        Product.await(
                Duration.ofSeconds(60),
                () -> delivered(run).size() == 5,
                () -> delivered(run).size() + " of 5 delivered");
    }

    /** Alerts in the node spool's database whose bytes contain {@code marker}; 0 before it exists. */
    static int spooled(Path db, String marker) {
        if (!Files.exists(db)) return 0;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db + "?mode=ro");
                PreparedStatement q = c.prepareStatement("SELECT count(*) FROM alerts WHERE instr(alert, ?) > 0")) {
            q.setBytes(1, marker.getBytes(StandardCharsets.UTF_8));
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        } catch (SQLException e) {
            return 0; // not created yet, or busy: asked again
        }
    }

    @Test
    void aWrongTokenIsRefusedAndSaysWhyOnBothEnds() throws Exception {
        webhook = new Webhook();
        int grpc = Product.freePort();
        Product.Running sidekick =
                track(Product.sidekick(dir, Product.freePort(), grpc, sidekickArgs("--peregrine.intake.token=right")));
        Product.Running detector = track(Product.detector(
                dir, Product.freePort(), "--sidekick", "127.0.0.1:" + grpc, "--sidekick-token", "wrong"));
        readShadow("t-" + UUID.randomUUID());
        Product.await(Duration.ofSeconds(60), () -> detector.logText().contains("UNAUTHENTICATED"), detector::logText);
        assertThat(detector.logText()).contains("wrong authorization token");
        Product.await(
                Duration.ofSeconds(30),
                () -> sidekick.logText().contains("wrong authorization token"),
                sidekick::logText);
        assertThat(webhook.alerts(RULE)).isEmpty();
    }
}
