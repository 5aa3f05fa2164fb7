package dev.peregrine.sidekick.falcosidekick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/** Falcosidekick's metrics on /metrics: today's names and labels, and with legacy-names those before 2.30. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FalcosidekickMetricsTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.metrics.legacy-names", () -> "true");
        r.add("peregrine.customfields.env", () -> "prod");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("spring.grpc.server.port", () -> "0");
    }

    @AfterAll
    static void stop() {
        webhook.close();
    }

    String metrics() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    @Test
    void todaysNamesAndThoseBefore230() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"rule\":\"Test rule\",\"priority\":\"Warning\",\"output\":\"o\",\"source\":\"syscall\","
                                                + "\"hostname\":\"h1\",\"time\":\"2001-01-01T01:10:00Z\",\"output_fields\":{}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> metrics().contains("falcosidekick_outputs{"));
        String m = metrics();
        // Falcosidekick 2.30+: priority is the level (Warning 4), priority_raw the name in lower case.
        assertThat(m)
                .containsPattern("falcosecurity_falcosidekick_falco_events_total\\{[^}]*env=\"prod\"[^}]*priority=\"4\""
                        + "[^}]*priority_raw=\"warning\"[^}]*rule=\"Test rule\"[^}]*} 1\\.0")
                .contains("falcosecurity_falcosidekick_inputs_total{source=\"requestbody\",status=\"accepted\"} 1.0");
        // Before 2.30: no _total, priority the name, no priority_raw.
        assertThat(m)
                .containsPattern("(?m)^falco_events\\{[^}]*priority=\"Warning\"[^}]*rule=\"Test rule\"[^}]*} 1\\.0$")
                .doesNotContainPattern("(?m)^falco_events\\{[^}]*priority_raw")
                .contains("falcosidekick_inputs{source=\"requestbody\",status=\"accepted\"} 1.0")
                .containsPattern(
                        "(?m)^falcosidekick_outputs\\{destination=\"webhook\",output=\"siem\",status=\"ok\"} 1\\.0$");
    }
}
