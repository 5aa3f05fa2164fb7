package dev.peregrine.sidekick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real sidekick process is killed with SIGKILL while alerts are being posted and its output is
 * lagging behind; after a restart on the same spool, every alert that got a 200 is delivered.
 */
class KillRecoveryTest {
    static final JsonMapper json = JsonMapper.builder().build();
    static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedAlertIsDeliveredAfterKillDashNine() throws Exception {
        try (RecordingHttpServer webhook = new RecordingHttpServer()) {
            webhook.delay(Duration.ofMillis(5)); // the output lags, so the spool holds a backlog at the kill
            int port = freePort();
            Process first = start(port, webhook);
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService load = Executors.newFixedThreadPool(4);
            Instant deadline = Instant.now().plusSeconds(60);
            for (int t = 0; t < 4; t++) {
                int thread = t;
                load.submit(() -> {
                    for (int i = 0; i < 5_000 && !stop.get() && Instant.now().isBefore(deadline); i++) {
                        post(
                                port,
                                "{\"rule\":\"load " + thread + "-" + i + "\",\"priority\":\"Error\",\"output\":\"o\"}",
                                acked);
                    }
                });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= 400);
            killAndRestartUntilDelivered(first, port, webhook, acked, () -> {
                stop.set(true);
                load.shutdown();
                assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                Set<String> deliveredBeforeRestart = delivered(webhook);
                assertThat(deliveredBeforeRestart)
                        .as("the output was behind when the process died")
                        .hasSizeLessThan(acked.size());

                webhook.delay(Duration.ZERO);
            });
        }
    }

    /**
     * A caught-up output takes new alerts from the spool's writer in memory, not from the
     * database: those handed over but not delivered when the process dies are delivered after
     * the restart, which reads them from the database.
     */
    @Test
    void alertsHandedToTheOutputInMemoryAreDeliveredAfterKillDashNine() throws Exception {
        try (RecordingHttpServer webhook = new RecordingHttpServer()) {
            webhook.answer(503); // the output takes nothing: every alert stays between commit and delivery
            int port = freePort();
            Process first = start(port, webhook);
            Set<String> acked = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 20; i++) {
                post(port, "{\"rule\":\"handed " + i + "\",\"priority\":\"Error\",\"output\":\"o\"}", acked);
            }
            assertThat(acked).hasSize(20);
            // The output has been handed alerts (it is trying one), none of them delivered.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> !webhook.received().isEmpty());
            killAndRestartUntilDelivered(first, port, webhook, acked, () -> {
                assertThat(webhook.requests())
                        .as("nothing was delivered before the kill")
                        .isEmpty();

                webhook.answer(200);
            });
        }
    }

    /**
     * Kills {@code first} with SIGKILL, runs {@code whileDown} (the test's checks of the dead
     * process, and readying the output), starts a sidekick again on the same port and spool, and
     * waits until every alert in {@code acked} has been delivered.
     */
    private void killAndRestartUntilDelivered(
            Process first, int port, RecordingHttpServer webhook, Set<String> acked, WhileDown whileDown)
            throws Exception {
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        whileDown.run();
        Process second = start(port, webhook);
        try {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> delivered(webhook).containsAll(acked));
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** What a test does between the kill and the restart. */
    @FunctionalInterface
    private interface WhileDown {
        void run() throws Exception;
    }

    private static Set<String> delivered(RecordingHttpServer webhook) {
        return webhook.requests().stream().map(r -> r.header("Idempotency-Key")).collect(Collectors.toSet());
    }

    private static void post(int port, String body, Set<String> acked) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                acked.add(json.readTree(r.body()).get("uuid").stringValue());
            }
        } catch (Exception e) {
            // the process was killed mid-request: this alert was never acknowledged
        }
    }

    private Process start(int port, RecordingHttpServer webhook) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED",
                Sidekick.class.getName(),
                "--server.port=" + port,
                "--spring.grpc.server.port=0",
                "--peregrine.spool.dir=" + dir.resolve("spool"),
                "--peregrine.outputs.siem.type=webhook",
                "--peregrine.outputs.siem.url=" + webhook.uri(),
                "--peregrine.outputs.siem.parallelism=1"));
        Path log = dir.resolve("sidekick-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        // Generous: this machine is shared, and a JVM start can take long when it is busy.
        Instant deadline = Instant.now().plusSeconds(180);
        while (!answersPing(port)) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                p.destroyForcibly();
                throw new AssertionError(
                        "sidekick did not come up (alive=" + p.isAlive() + "); its log:\n" + Files.readString(log));
            }
            Thread.sleep(200); // polling a port between attempts, not synchronising threads
        }
        return p;
    }

    private static boolean answersPing(int port) throws InterruptedException {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
