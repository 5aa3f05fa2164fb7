package dev.peregrine.sidekick.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.sidekick.testing.GrpcSender;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The disk budget filled through both intakes while the only output is down: HTTP answers 503
 * with Retry-After and the reason, gRPC RETRY_LATER; the refusals are counted, the gauge says
 * full, the log says so once. Then the output comes back, the spool drains and both intakes
 * accept again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(GrpcSender.Port.class)
@ExtendWith(OutputCaptureExtension.class)
class SpoolFullTest {
    static final RecordingHttpServer siem = new RecordingHttpServer();
    static final JsonMapper json = JsonMapper.builder().build();
    static final int MAX_POSTS = 1_000;

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @Autowired
    GrpcSender.Port grpc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.spool.max-bytes", () -> "32KB");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", siem::uri);
        r.add("peregrine.outputs.siem.retry.max-backoff", () -> "200ms");
        r.add("peregrine.outputs.siem.circuit-breaker.open-duration", () -> "500ms");
        r.add("spring.grpc.server.port", () -> "0");
    }

    @AfterAll
    static void stop() {
        siem.close();
    }

    double metric(Http http, String series) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$")
                .matcher(http.get("/actuator/prometheus").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void bothIntakesRefuseWhileFullAndAcceptOnceDrained(CapturedOutput output) throws Exception {
        Http http = new Http(port);
        siem.answer(503);
        HttpResponse<String> refused = null;
        int accepted = 0;
        for (int i = 0; i < MAX_POSTS && refused == null; i++) {
            HttpResponse<String> r = http.postJson("/", SampleAlerts.LINES.get(i % SampleAlerts.LINES.size()));
            if (r.statusCode() == 200) {
                accepted++;
            } else {
                refused = r;
            }
        }
        assertThat(refused).as("the budget filled within %d alerts", MAX_POSTS).isNotNull();
        assertThat(accepted).isPositive();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(json.readTree(refused.body()).get("reason").stringValue()).isEqualTo("spool_full");
        for (int i = 0; i < 20; i++) {
            assertThat(http.postJson("/", SampleAlerts.LINES.getFirst()).statusCode())
                    .isEqualTo(503);
        }
        // Larger than any sample: it cannot fit where the HTTP alert did not.
        AlertEnvelope big = GrpcSender.envelope(1, "while full");
        big = big.toBuilder()
                .setAlert(big.getAlert().toBuilder().setOutput("x".repeat(4096)))
                .build();
        List<Ack> acks = GrpcSender.send(grpc.get(), List.of(big));
        assertThat(acks)
                .singleElement()
                .satisfies(a -> assertThat(a.getStatus()).isEqualTo(Ack.Status.RETRY_LATER));

        assertThat(metric(http, "peregrine_spool_full")).isEqualTo(1.0);
        assertThat(metric(http, "peregrine_intake_rejections_total{input=\"http\",reason=\"spool_full\"}"))
                .isEqualTo(21.0);
        assertThat(metric(http, "peregrine_intake_rejections_total{input=\"grpc\",reason=\"spool_full\"}"))
                .isEqualTo(1.0);
        assertThat(output.getAll()).as("logged once, without a stack trace").containsOnlyOnce("spool is full:");
        assertThat(output.getAll()).doesNotContain("SpoolFullException");

        siem.answer(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> metric(http, "peregrine_spool_full") == 0.0);
        int spooled = accepted;
        await().atMost(Duration.ofSeconds(60)).until(() -> siem.requests().size() >= spooled);
        assertThat(http.postJson("/", SampleAlerts.LINES.getFirst()).statusCode())
                .isEqualTo(200);
        assertThat(GrpcSender.send(grpc.get(), List.of(GrpcSender.envelope(2, "drained"))))
                .singleElement()
                .satisfies(a -> assertThat(a.getStatus()).isEqualTo(Ack.Status.DURABLE));
        assertThat(output.getAll()).containsOnlyOnce("spool accepts alerts again");
        assertThat(output.getAll()).containsOnlyOnce("spool is full:");
    }
}
