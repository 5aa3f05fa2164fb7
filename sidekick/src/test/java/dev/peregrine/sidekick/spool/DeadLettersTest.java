package dev.peregrine.sidekick.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.testing.Credentials;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A destination that refuses alerts for good (here: 404, a removed webhook) gets them
 * dead-lettered, not dropped; once it is fixed, /actuator/deadletters sends them again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DeadLettersTest {
    static final RecordingHttpServer siem = new RecordingHttpServer();
    static final RecordingHttpServer chat = new RecordingHttpServer();
    static final JsonMapper json = JsonMapper.builder().build();
    static final HttpClient http = HttpClient.newHttpClient();
    static final String ADMIN_TOKEN = "admin-token-for-dead-letters-test";

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", siem::uri);
        r.add("peregrine.outputs.chat.type", () -> "webhook");
        r.add("peregrine.outputs.chat.url", chat::uri);
        r.add("peregrine.security.tokens.ops.sha256", () -> Credentials.sha256(ADMIN_TOKEN));
        r.add("peregrine.security.tokens.ops.roles", () -> "admin");
        r.add("spring.grpc.server.port", () -> "0");
    }

    @AfterAll
    static void stop() {
        siem.close();
        chat.close();
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .header("Authorization", Credentials.bearer(ADMIN_TOKEN))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    long dead(String output) throws Exception {
        JsonNode n = json.readTree(send("GET", "/actuator/deadletters", null).body())
                .path("outputs")
                .path(output);
        return n.isMissingNode() ? 0 : n.longValue();
    }

    @Test
    void refusedAlertsAreKeptAndDeliveredAfterTheFix() throws Exception {
        siem.answer(404);
        String uuid = json.readTree(send(
                                "POST",
                                "/",
                                "{\"rule\":\"Shell in container\",\"priority\":\"Critical\","
                                        + "\"output\":\"x\",\"source\":\"syscall\"}")
                        .body())
                .get("uuid")
                .stringValue();
        await().atMost(Duration.ofSeconds(30)).until(() -> dead("siem") == 1);
        assertThat(siem.requests()).isEmpty();
        // The other output got it meanwhile.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> chat.requests().stream().anyMatch(q -> uuid.equals(q.header("Idempotency-Key"))));
        assertThat(send("GET", "/actuator/prometheus", null).body())
                .contains("peregrine_spool_dead{output=\"siem\"} 1.0");

        siem.answer(200);
        HttpResponse<String> requeued = send("POST", "/actuator/deadletters/siem", null);
        assertThat(requeued.statusCode()).isEqualTo(200);
        assertThat(json.readTree(requeued.body()).get("requeued").longValue()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> siem.requests().stream().anyMatch(q -> uuid.equals(q.header("Idempotency-Key"))));
        assertThat(dead("siem")).isZero();
        assertThat(siem.requests()).hasSize(1);
        assertThat(chat.requests()).as("the other output is not sent it twice").hasSize(1);
    }

    @Test
    void anOutputThatIsNotConfiguredIsNamedInTheAnswer() throws Exception {
        HttpResponse<String> r = send("POST", "/actuator/deadletters/nope", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json.readTree(r.body()).get("error").stringValue())
                .contains("'nope'")
                .contains("chat, siem");
    }
}
