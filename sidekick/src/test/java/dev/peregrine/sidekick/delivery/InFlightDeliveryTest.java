package dev.peregrine.sidekick.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.output.kafka.KafkaConfig;
import dev.peregrine.sidekick.route.Route;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.OutputQueue;
import dev.peregrine.sidekick.spool.Spool;
import dev.peregrine.sidekick.spool.SpoolEntry;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.testkit.KafkaBroker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery with an output that takes many alerts at once ({@link Output#submit}): the Kafka
 * output against a real KRaft broker, straight from a real spool. The output and the spool's
 * queue are watched (not replaced) to see how many alerts were in flight and that none left the
 * spool before the broker acknowledged it.
 */
class InFlightDeliveryTest {
    static final OutputContext CONTEXT = new OutputContext("events", "peregrine.outputs.events");

    @TempDir
    Path dir;

    static OutputSettings settings(Duration backoff, Duration open) {
        return new OutputSettings(
                "kafka",
                "debug",
                Set.of(),
                Set.of(),
                Set.of(),
                4,
                new OutputSettings.Retry(2, Duration.ofMillis(10), backoff),
                new OutputSettings.CircuitBreaker(50, 20, open),
                null,
                null,
                null);
    }

    @Test
    void manyAlertsInFlightReachTheTopicOnceEachAndLeaveTheSpoolOnlyAfterTheirAck() throws Exception {
        int n = 3000;
        int bound = 256;
        try (KafkaBroker broker = KafkaBroker.start(3);
                Spool spool = new Spool(dir, 1 << 26, true, Duration.ofHours(1), Clock.systemUTC())) {
            broker.createTopics(new NewTopic("alerts", 3, (short) 1));
            KafkaConfig config = new KafkaConfig(
                    List.of(broker.bootstrapServers()),
                    "alerts",
                    "none",
                    null,
                    Duration.ofSeconds(10),
                    bound,
                    Map.of());
            List<String> sent = append(spool, n);
            Watched output = new Watched(config.create(CONTEXT));
            WatchedLog log = new WatchedLog(spool, output.acked);
            try (Delivery delivery = delivery(config, output, log, Duration.ofMillis(200))) {
                delivery.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> spool.depth("events") == 0);
            }

            assertThat(log.removedBeforeAck).isEmpty();
            assertThat(log.removed).hasSize(n);
            // More than the output's parallelism (4) at once, never more than alerts-in-flight.
            assertThat(output.maxInFlight.get()).isGreaterThan(4).isLessThanOrEqualTo(bound);
            assertThat(uuidsInTopic(broker.bootstrapServers(), "alerts", n)).containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    @Test
    void alertsFailingWhileTheTopicIsMissingStayInTheSpoolAndAreDeliveredOnceItExists() throws Exception {
        int n = 300;
        // The destination is unavailable until the test creates the topic: each record times out
        // waiting for the topic's metadata, as it does while the brokers are down.
        try (KafkaBroker broker = KafkaBroker.start(3, Map.of("auto.create.topics.enable", "false"));
                Spool spool = new Spool(dir, 1 << 24, true, Duration.ofHours(1), Clock.systemUTC())) {
            KafkaConfig config = new KafkaConfig(
                    List.of(broker.bootstrapServers()), "late", "none", null, Duration.ofSeconds(1), 64, Map.of());
            List<String> sent = append(spool, n);
            Watched output = new Watched(config.create(CONTEXT));
            WatchedLog log = new WatchedLog(spool, output.acked);
            try (Delivery delivery = delivery(config, output, log, Duration.ofMillis(500))) {
                delivery.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> output.failed.get() >= 3);
                assertThat(log.removed).isEmpty();
                assertThat(spool.depth("events")).isEqualTo(n);

                broker.createTopics(new NewTopic("late", 3, (short) 1));
                await().atMost(Duration.ofSeconds(120)).until(() -> spool.depth("events") == 0);
            }
            assertThat(log.removedBeforeAck).isEmpty();
            assertThat(log.removed).hasSize(n);
            assertThat(uuidsInTopic(broker.bootstrapServers(), "late", n)).containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    static List<String> append(Spool spool, int n) throws Exception {
        List<String> sent = new ArrayList<>();
        List<CompletableFuture<Boolean>> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Alert alert = SampleAlerts.alert(i % SampleAlerts.LINES.size());
            sent.add(alert.uuid());
            written.add(spool.append(alert.uuid(), AlertJson.write(alert), List.of("events")));
        }
        CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        return sent;
    }

    static Delivery delivery(KafkaConfig config, Output output, AlertLog log, Duration backoff) {
        return new Delivery(
                new ConfiguredOutput("events", "kafka", Route.ALL, settings(backoff, backoff), config),
                output,
                log,
                CircuitBreakerRegistry.ofDefaults(),
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                null);
    }

    /** The uuid header of every record in the topic, duplicates included. */
    static List<String> uuidsInTopic(String servers, String topic, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> uuids = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (uuids.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> uuids.add(
                                new String(r.headers().lastHeader("uuid").value(), StandardCharsets.UTF_8)));
            }
            // and nothing beyond: one more short poll finds any duplicate
            consumer.poll(Duration.ofMillis(200))
                    .forEach(r ->
                            uuids.add(new String(r.headers().lastHeader("uuid").value(), StandardCharsets.UTF_8)));
            return uuids;
        }
    }

    /** The real output, counting its alerts in flight and noting each acknowledged uuid before Delivery hears of it. */
    static final class Watched implements Output {
        final Output output;
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        Watched(Output output) {
            this.output = output;
        }

        @Override
        public void send(Alert alert) {
            throw new AssertionError("delivery must submit to an output that offers it");
        }

        @Override
        public int alertsInFlight() {
            return output.alertsInFlight();
        }

        @Override
        public CompletionStage<Void> submit(SpooledAlert alert) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<Void> seen = new CompletableFuture<>();
            output.submit(alert).whenComplete((ok, error) -> {
                inFlight.decrementAndGet();
                if (error == null) {
                    acked.add(alert.uuid());
                    seen.complete(null);
                } else {
                    failed.incrementAndGet();
                    seen.completeExceptionally(error);
                }
            });
            return seen;
        }

        @Override
        public void close() {
            output.close();
        }
    }

    /** The real spool, noting every removal and any of an alert the output had not seen acknowledged. */
    static final class WatchedLog implements AlertLog {
        final Spool spool;
        final Set<String> acked;
        final Set<String> removed = ConcurrentHashMap.newKeySet();
        final Set<String> removedBeforeAck = ConcurrentHashMap.newKeySet();

        WatchedLog(Spool spool, Set<String> acked) {
            this.spool = spool;
            this.acked = acked;
        }

        @Override
        public CompletableFuture<Boolean> append(Alert alert, byte[] payload, List<String> outputs, boolean remember) {
            return spool.append(alert, payload, outputs, remember);
        }

        @Override
        public OutputQueue queue(String output) {
            OutputQueue q = spool.queue(output);
            return new OutputQueue() {
                @Override
                public List<SpoolEntry> next(int max, Duration wait) throws InterruptedException {
                    return q.next(max, wait);
                }

                @Override
                public CompletableFuture<Boolean> remove(SpoolEntry entry) {
                    removed.add(entry.uuid());
                    if (!acked.contains(entry.uuid())) {
                        removedBeforeAck.add(entry.uuid());
                    }
                    return q.remove(entry);
                }

                @Override
                public CompletableFuture<Boolean> bury(SpoolEntry entry, String reason) {
                    return q.bury(entry, reason);
                }

                @Override
                public CompletableFuture<Boolean> append(String uuid, byte[] payload) {
                    return q.append(uuid, payload);
                }

                @Override
                public void close() {
                    q.close();
                }
            };
        }

        @Override
        public long depth(String output) {
            return spool.depth(output);
        }

        @Override
        public Set<String> outputsWithBacklog() {
            return spool.outputsWithBacklog();
        }

        @Override
        public Path stateDir() {
            return spool.stateDir();
        }

        @Override
        public void close() {}
    }
}
