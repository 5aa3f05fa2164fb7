package dev.peregrine.sidekick.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * One output goes through an outage (connection refused, then HTTP 500, then too slow) while
 * another stays healthy: the healthy one keeps receiving, and once the first is back every alert
 * reaches it too.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OutputOutageTest {
    static final RecordingHttpServer healthy = new RecordingHttpServer();
    static final int flakyPort = freePort();
    static RecordingHttpServer flaky;
    static final HttpClient http = HttpClient.newHttpClient();
    static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.healthy.type", () -> "webhook");
        r.add("peregrine.outputs.healthy.url", healthy::uri);
        r.add("peregrine.outputs.flaky.type", () -> "webhook");
        r.add("peregrine.outputs.flaky.url", () -> "http://127.0.0.1:" + flakyPort + "/hook");
        r.add("peregrine.outputs.flaky.timeout", () -> "300ms");
        r.add("peregrine.outputs.flaky.retry.max-attempts", () -> "2");
        r.add("peregrine.outputs.flaky.retry.initial-backoff", () -> "20ms");
        r.add("peregrine.outputs.flaky.retry.max-backoff", () -> "200ms");
        r.add("peregrine.outputs.flaky.circuit-breaker.open-duration", () -> "200ms");
    }

    @AfterAll
    static void stop() {
        healthy.close();
        if (flaky != null) {
            flaky.close();
        }
    }

    List<String> post(int count, String phase) throws Exception {
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = "{\"rule\":\"" + phase + " " + i
                    + "\",\"priority\":\"Warning\",\"output\":\"x\",\"source\":\"syscall\"}";
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            uuids.add(json.readTree(r.body()).get("uuid").stringValue());
        }
        return uuids;
    }

    static Set<String> received(RecordingHttpServer server) {
        return server.requests().stream().map(q -> q.header("Idempotency-Key")).collect(Collectors.toSet());
    }

    @Test
    void anOutageOfOneOutputNeitherLosesAlertsNorHoldsUpAnother() throws Exception {
        List<String> all = new ArrayList<>();

        // Connection refused: nothing listens on the flaky port yet.
        all.addAll(post(20, "refused"));
        await().atMost(Duration.ofSeconds(30)).until(() -> received(healthy).containsAll(all));
        assertThat(metric("peregrine_output_deliveries_total{output=\"flaky\",status=\"failed\",type=\"webhook\"}"))
                .isPositive();

        // Up, but answering 500.
        flaky = new RecordingHttpServer(flakyPort);
        flaky.answer(500);
        all.addAll(post(20, "failing"));
        await().atMost(Duration.ofSeconds(30)).until(() -> received(healthy).containsAll(all) && flaky.attempts() > 0);

        // Answering, but slower than the output's timeout.
        flaky.answer(200);
        flaky.delay(Duration.ofSeconds(2));
        int attemptsBefore = flaky.attempts();
        all.addAll(post(20, "slow"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> received(healthy).containsAll(all) && flaky.attempts() > attemptsBefore);
        assertThat(received(healthy)).hasSize(60);

        // Back to normal: every alert arrives.
        flaky.delay(Duration.ZERO);
        await().atMost(Duration.ofSeconds(60)).until(() -> received(flaky).containsAll(all));
        assertThat(metric("peregrine_output_retries_total{output=\"flaky\"}")).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("peregrine_spool_depth{output=\"flaky\"}") == 0);
    }

    double metric(String series) throws Exception {
        String text = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return text.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst()
                .orElse(-1);
    }
}
