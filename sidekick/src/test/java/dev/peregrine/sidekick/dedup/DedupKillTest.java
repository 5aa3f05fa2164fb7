package dev.peregrine.sidekick.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.Sidekick;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A sidekick deduplicating a stream of repeats is killed with SIGKILL and started again on the
 * same spool: every acknowledged alert is accounted for at the output, either delivered or
 * counted in a follow-up, and repeats stayed suppressed.
 */
class DedupKillTest {
    static final JsonMapper json = JsonMapper.builder().build();
    static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final int KEYS = 20;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRepeatIsDeliveredOrCountedAfterKillDashNine() throws Exception {
        try (RecordingHttpServer webhook = new RecordingHttpServer()) {
            webhook.delay(Duration.ofMillis(5));
            int port = freePort();
            Process first = start(port, webhook);
            Map<String, AtomicInteger> acked = new ConcurrentHashMap<>();
            AtomicInteger total = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService load = Executors.newFixedThreadPool(2);
            Instant deadline = Instant.now().plusSeconds(60);
            for (int t = 0; t < 2; t++) {
                load.submit(() -> {
                    for (int i = 0; i < 5_000 && !stop.get() && Instant.now().isBefore(deadline); i++) {
                        String rule = "repeat " + (i % KEYS);
                        if (post(
                                port,
                                "{\"rule\":\"" + rule
                                        + "\",\"priority\":\"Error\",\"output\":\"o\",\"hostname\":\"h\"}")) {
                            acked.computeIfAbsent(rule, k -> new AtomicInteger())
                                    .incrementAndGet();
                            total.incrementAndGet();
                        }
                    }
                });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> total.get() >= 600);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            stop.set(true);
            load.shutdown();
            assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            Process second = start(port, webhook);
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> accountedFor(webhook, acked));
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
            long alone = webhook.requests().stream()
                    .map(r -> json.readTree(r.body()))
                    .filter(b -> !b.get("output_fields").has(Aggregator.DEDUP_COUNT))
                    .count();
            assertThat(alone)
                    .as("repeats were suppressed, not delivered one by one")
                    .isLessThan(total.get() / 2);
        }
    }

    /** Per rule: distinct alerts delivered alone plus the counts of distinct follow-ups cover every acknowledged one. */
    private static boolean accountedFor(RecordingHttpServer webhook, Map<String, AtomicInteger> acked) {
        Map<String, Set<String>> alone = new HashMap<>();
        Map<String, Map<String, Long>> followUps = new HashMap<>();
        for (RecordingHttpServer.Request r : webhook.requests()) {
            JsonNode b = json.readTree(r.body());
            String rule = b.get("rule").stringValue();
            String uuid = b.get("uuid").stringValue();
            JsonNode count = b.get("output_fields").get(Aggregator.DEDUP_COUNT);
            if (count == null) {
                alone.computeIfAbsent(rule, k -> new HashSet<>()).add(uuid);
            } else {
                followUps.computeIfAbsent(rule, k -> new HashMap<>()).put(uuid, count.longValue());
            }
        }
        for (Map.Entry<String, AtomicInteger> e : acked.entrySet()) {
            long seen = alone.getOrDefault(e.getKey(), Set.of()).size()
                    + followUps.getOrDefault(e.getKey(), Map.of()).values().stream()
                            .mapToLong(Long::longValue)
                            .sum();
            if (seen < e.getValue().get()) {
                return false;
            }
        }
        return true;
    }

    private static boolean post(int port, String body) {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                            .timeout(Duration.ofSeconds(10))
                                            .header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofString(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                    == 200;
        } catch (Exception e) {
            return false; // the process was killed mid-request: this alert was never acknowledged
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
                "--peregrine.outputs.siem.dedup.window=2s"));
        Path log = dir.resolve("sidekick-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
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
