package dev.peregrine.sidekick.output.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.testing.ServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole sidekick with a redis output configured as a user writes it: an alert posted as
 * Falco does reaches the real redis-server through the spool and the delivery.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RedisDeliveryTest {
    static Path dir;
    static ServerProcess redis;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) throws Exception {
        dir = Files.createTempDirectory("redis-delivery");
        Path binary = ServerProcess.binary("redis-server", "/usr/bin/redis-server");
        int redisPort = ServerProcess.freePort();
        redis = ServerProcess.start(
                List.of(
                        binary.toString(),
                        "--port",
                        String.valueOf(redisPort),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--dir",
                        dir.toString()),
                Map.of(),
                dir.resolve("redis.log"),
                redisPort,
                Duration.ofSeconds(20));
        r.add("peregrine.spool.dir", () -> dir.resolve("spool").toString());
        r.add("peregrine.outputs.cache.type", () -> "redis");
        r.add("peregrine.outputs.cache.address", () -> "127.0.0.1:" + redisPort);
        r.add("peregrine.outputs.cache.storage-type", () -> "stream");
        r.add("peregrine.outputs.cache.key", () -> "alerts");
        r.add("spring.grpc.server.port", () -> "0");
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aPostedAlertIsAddedToTheStream() throws Exception {
        HttpResponse<String> posted = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"rule\":\"Test rule\",\"priority\":\"Warning\",\"output\":\"o\","
                                                + "\"source\":\"syscall\",\"hostname\":\"h1\","
                                                + "\"time\":\"2001-01-01T01:10:00Z\",\"output_fields\":{}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(200);
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.sync().xlen("alerts") == 1);
            var entry = c.sync()
                    .xrange("alerts", io.lettuce.core.Range.create("-", "+"))
                    .getFirst();
            JsonNode alert =
                    JsonMapper.builder().build().readTree(entry.getBody().get("alert"));
            assertThat(alert.get("rule").stringValue()).isEqualTo("Test rule");
            assertThat(alert.get("uuid").stringValue())
                    .isEqualTo(entry.getBody().get("uuid"));
        } finally {
            client.shutdown();
        }
    }
}
