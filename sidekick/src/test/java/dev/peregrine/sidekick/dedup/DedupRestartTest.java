package dev.peregrine.sidekick.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.Sidekick;
import dev.peregrine.sidekick.spool.Spool;
import dev.peregrine.sidekick.testing.MutableClock;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sidekick is stopped in the middle of a dedup window and started again on the same spool:
 * repeats after the restart are still suppressed (no flood), and the one follow-up counts the
 * duplicates from both runs.
 */
class DedupRestartTest {
    static final HttpClient http = HttpClient.newHttpClient();
    static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));

    ConfigurableApplicationContext start(RecordingHttpServer webhook) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        app.addInitializers(ctx -> ((GenericApplicationContext) ctx)
                .registerBean("testClock", Clock.class, () -> clock, bd -> bd.setPrimary(true)));
        return app.run(
                "--server.port=0",
                "--spring.grpc.server.port=0",
                "--peregrine.spool.dir=" + dir,
                "--peregrine.outputs.chat.type=webhook",
                "--peregrine.outputs.chat.url=" + webhook.uri(),
                "--peregrine.outputs.chat.dedup.window=10m");
    }

    static void post(ConfigurableApplicationContext ctx, int times) throws Exception {
        int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
        for (int i = 0; i < times; i++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(SampleAlerts.LINES.get(1)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    static double suppressed(ConfigurableApplicationContext ctx) {
        var c = ctx.getBean(MeterRegistry.class)
                .find("peregrine.dedup.suppressed")
                .tag("output", "chat")
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void dedupWindowsSurviveARestart() throws Exception {
        try (RecordingHttpServer webhook = new RecordingHttpServer()) {
            try (ConfigurableApplicationContext first = start(webhook)) {
                Spool spool = first.getBean(Spool.class);
                post(first, 1);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> webhook.requests().size() == 1 && spool.depth("chat") == 0);
                post(first, 4);
                await().atMost(Duration.ofSeconds(30)).until(() -> suppressed(first) == 4 && spool.depth("chat") == 0);
            }
            assertThat(dir.resolve(DedupStore.FILE))
                    .satisfies(f -> assertThat(Files.size(f)).isPositive());

            clock.advance(Duration.ofMinutes(5));
            try (ConfigurableApplicationContext second = start(webhook)) {
                Spool spool = second.getBean(Spool.class);
                post(second, 3);
                await().atMost(Duration.ofSeconds(30)).until(() -> suppressed(second) == 3 && spool.depth("chat") == 0);
                assertThat(webhook.requests()).as("no repeat after the restart").hasSize(1);

                clock.advance(Duration.ofMinutes(5));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> webhook.requests().size() == 2);
                var followUp = json.readTree(webhook.requests().get(1).body());
                assertThat(followUp.get("rule").stringValue()).isEqualTo("Read sensitive file untrusted");
                assertThat(followUp.get("output_fields")
                                .get("peregrine.dedup.count")
                                .longValue())
                        .as("the duplicates of both runs")
                        .isEqualTo(7);
                await().atMost(Duration.ofSeconds(10)).until(() -> spool.depth("chat") == 0);
            }
        }
    }
}
