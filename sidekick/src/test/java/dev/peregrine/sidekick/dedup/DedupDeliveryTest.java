package dev.peregrine.sidekick.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.spool.Spool;
import dev.peregrine.sidekick.testing.MutableClock;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Through a real sidekick: duplicates posted over HTTP reach a dedup output once plus one
 * follow-up with the count, a grouping output once plus one summary, and an output without
 * either every time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DedupDeliveryTest {
    static final RecordingHttpServer deduped = new RecordingHttpServer();
    static final RecordingHttpServer grouped = new RecordingHttpServer();
    static final RecordingHttpServer plain = new RecordingHttpServer();
    static final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    static final HttpClient http = HttpClient.newHttpClient();
    static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @Autowired
    Spool spoolBean;

    @Autowired
    MeterRegistry metrics;

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        Clock testClock() {
            return clock;
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.deduped.type", () -> "webhook");
        r.add("peregrine.outputs.deduped.url", deduped::uri);
        r.add("peregrine.outputs.deduped.dedup.window", () -> "1m");
        r.add("peregrine.outputs.grouped.type", () -> "webhook");
        r.add("peregrine.outputs.grouped.url", grouped::uri);
        r.add("peregrine.outputs.grouped.group.window", () -> "30s");
        r.add("peregrine.outputs.plain.type", () -> "webhook");
        r.add("peregrine.outputs.plain.url", plain::uri);
    }

    @AfterAll
    static void stop() {
        deduped.close();
        grouped.close();
        plain.close();
    }

    void post(String body) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    static List<JsonNode> bodies(RecordingHttpServer server) {
        return server.requests().stream().map(r -> json.readTree(r.body())).toList();
    }

    double suppressed(String output) {
        var c = metrics.find("peregrine.dedup.suppressed")
                .tag("output", output)
                .tag("rule", "Terminal shell in container")
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void duplicatesAreDeliveredOnceThenAFollowUpCarriesTheCount() throws Exception {
        String shell = SampleAlerts.LINES.get(0);
        String otherContainer = shell.replace("\"container.id\":\"3ad7b26ded6d\"", "\"container.id\":\"bbbbbbbbbbbb\"");
        assertThat(otherContainer).isNotEqualTo(shell);
        for (int i = 0; i < 10; i++) {
            post(shell);
        }
        post(otherContainer);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> plain.requests().size() == 11
                        && spoolBean.depth("deduped") == 0
                        && spoolBean.depth("grouped") == 0);
        assertThat(bodies(deduped))
                .as("the first of each key, at once")
                .hasSize(2)
                .extracting(b -> b.get("output_fields").get("container.id").stringValue())
                .containsExactlyInAnyOrder("3ad7b26ded6d", "bbbbbbbbbbbb");
        assertThat(bodies(grouped)).as("the first of the rule, at once").hasSize(1);
        assertThat(suppressed("deduped")).isEqualTo(9);
        assertThat(suppressed("grouped")).isEqualTo(10);

        clock.advance(Duration.ofSeconds(61));
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        deduped.requests().size() == 3 && grouped.requests().size() == 2);

        JsonNode followUp = bodies(deduped).get(2);
        assertThat(followUp.get("rule").stringValue()).isEqualTo("Terminal shell in container");
        assertThat(followUp.get("priority").stringValue()).isEqualTo("Notice");
        assertThat(followUp.get("output_fields").get("peregrine.dedup.count").longValue())
                .isEqualTo(9);
        assertThat(followUp.get("output_fields").get("container.id").stringValue())
                .isEqualTo("3ad7b26ded6d");
        assertThat(followUp.get("output_fields")
                        .get("peregrine.dedup.first_seen")
                        .stringValue())
                .isEqualTo("2025-11-20T09:14:02.118734512Z");
        assertThat(followUp.get("output").stringValue()).contains("(repeated: 9 more suppressed from ");

        JsonNode summary = bodies(grouped).get(1);
        assertThat(summary.get("output_fields").get("peregrine.group.count").longValue())
                .isEqualTo(11);
        assertThat(summary.get("output_fields")
                        .get("peregrine.group.counts")
                        .valueStream()
                        .map(JsonNode::stringValue)
                        .toList())
                .containsExactly(
                        "ip-10-0-1-23.eu-west-1.compute.internal/3ad7b26ded6d=10",
                        "ip-10-0-1-23.eu-west-1.compute.internal/bbbbbbbbbbbb=1");
        assertThat(plain.requests())
                .as("no dedup on this output: no follow-up either")
                .hasSize(11);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> spoolBean.depth("deduped") == 0 && spoolBean.depth("grouped") == 0);
    }
}
