package dev.peregrine.sidekick.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.slack.SlackConfig;
import dev.peregrine.sidekick.output.webhook.WebhookConfig;
import dev.peregrine.sidekick.route.Route;
import dev.peregrine.sidekick.spool.Spool;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** A delivery against a real HTTP endpoint, straight from a real spool. */
class DeliveryTest {
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    static OutputSettings settings(int parallelism) {
        return new OutputSettings(
                "slack",
                "debug",
                Set.of(),
                Set.of(),
                Set.of(),
                parallelism,
                new OutputSettings.Retry(2, Duration.ofMillis(10), Duration.ofMillis(50)),
                new OutputSettings.CircuitBreaker(50, 20, Duration.ofSeconds(30)),
                null,
                null,
                null);
    }

    @Test
    void senders4SharingOneQueueDeliverEveryAlertExactlyOnce() throws Exception {
        try (RecordingHttpServer siem = new RecordingHttpServer();
                Spool spool = new Spool(dir, 1 << 24, true, Duration.ofHours(1), Clock.systemUTC())) {
            WebhookConfig config =
                    new WebhookConfig(siem.uri(), "POST", Map.of(), null, null, null, Duration.ofSeconds(5), null);
            Deliveries deliveries = new Deliveries(
                    List.of(new ConfiguredOutput("siem", "webhook", Route.ALL, settings(4), config)),
                    spool,
                    new SimpleMeterRegistry(),
                    Clock.systemUTC());
            deliveries.start();
            List<String> sent = new ArrayList<>();
            try {
                // in bursts and one by one, so senders both share batches and wait for the next
                for (int i = 0; i < 300; i++) {
                    String uuid = UUID.randomUUID().toString();
                    sent.add(uuid);
                    var done = spool.append(uuid, AlertJson.write(SampleAlerts.alert(i % 12)), List.of("siem"));
                    if (i % 50 == 0) {
                        done.get(10, TimeUnit.SECONDS);
                    }
                }
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> siem.requests().size() >= sent.size() && spool.depth("siem") == 0);
            } finally {
                deliveries.stop();
            }
            assertThat(siem.requests())
                    .extracting(r -> r.header("Idempotency-Key"))
                    .containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    @Test
    void anEntryAnOutputCannotReadIsBuriedAndTheRestDeliveredInOrder() throws Exception {
        try (RecordingHttpServer slack = new RecordingHttpServer();
                Spool spool = new Spool(dir, 1 << 20, true, Duration.ofHours(1), Clock.systemUTC())) {
            SlackConfig config = new SlackConfig(
                    slack.uri(),
                    null,
                    "Peregrine",
                    Chat.DEFAULT_ICON,
                    "Peregrine",
                    "text",
                    null,
                    Duration.ofSeconds(5));
            spool.append(UUID.randomUUID().toString(), "not json".getBytes(StandardCharsets.UTF_8), List.of("chat"))
                    .get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                spool.append(SampleAlerts.alert(i).uuid(), AlertJson.write(SampleAlerts.alert(i)), List.of("chat"))
                        .get(10, TimeUnit.SECONDS);
            }
            Deliveries deliveries = new Deliveries(
                    List.of(new ConfiguredOutput("chat", "slack", Route.ALL, settings(1), config)),
                    spool,
                    new SimpleMeterRegistry(),
                    Clock.systemUTC());
            deliveries.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth("chat") == 0);
            } finally {
                deliveries.stop();
            }
            assertThat(spool.deadCount()).isEqualTo(1);
            assertThat(slack.requests())
                    .extracting(r -> JSON.readTree(r.body())
                            .get("attachments")
                            .get(0)
                            .get("text")
                            .stringValue())
                    .containsExactly(SampleAlerts.output(0), SampleAlerts.output(1), SampleAlerts.output(2));
        }
    }
}
