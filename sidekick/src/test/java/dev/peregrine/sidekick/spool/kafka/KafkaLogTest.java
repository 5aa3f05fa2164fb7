package dev.peregrine.sidekick.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputSettings;
import dev.peregrine.sidekick.output.stdout.StdoutConfig;
import dev.peregrine.sidekick.route.Route;
import dev.peregrine.sidekick.spool.OutputQueue;
import dev.peregrine.sidekick.spool.SpoolEntry;
import dev.peregrine.sidekick.testing.KafkaSettings;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka alert log against a real KRaft broker: what is acknowledged is delivered, once per uuid. */
class KafkaLogTest {
    static KafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start(3);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    static ConfiguredOutput output(String name) {
        return new ConfiguredOutput(
                name, "stdout", Route.ALL, OutputSettings.defaults("stdout"), new StdoutConfig(), Policy.NONE);
    }

    /** With one partition where a test reads up to a marker appended last: order is total there. */
    KafkaLog open(String prefix, int partitions) {
        return new KafkaLog(
                KafkaSettings.of(prefix, List.of(broker.bootstrapServers()), partitions),
                List.of(output("siem")),
                dir,
                Duration.ofHours(1),
                Clock.systemUTC());
    }

    static Alert append(KafkaLog log, int sample) throws Exception {
        Alert a = SampleAlerts.alert(sample % SampleAlerts.LINES.size());
        assertThat(log.append(a, AlertJson.write(a), List.of("siem"), true).get(30, TimeUnit.SECONDS))
                .isTrue();
        return a;
    }

    /** Reads entries until {@code count} arrived or 30 s passed. */
    static List<SpoolEntry> read(OutputQueue queue, int count) throws InterruptedException {
        List<SpoolEntry> entries = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (entries.size() < count && System.nanoTime() < deadline) {
            entries.addAll(queue.next(count - entries.size(), Duration.ofMillis(200)));
        }
        return entries;
    }

    @Test
    void deliveredEntriesAreCommitted() throws Exception {
        try (KafkaLog log = open("commit", 1)) {
            Set<String> sent = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                sent.add(append(log, i).uuid());
            }
            try (OutputQueue queue = log.queue("siem")) {
                List<SpoolEntry> entries = read(queue, 6);
                assertThat(entries).extracting(SpoolEntry::uuid).containsExactlyInAnyOrderElementsOf(sent);
                for (SpoolEntry e : entries) {
                    queue.remove(e).get();
                }
            }
            // The next member (another replica, or this one restarted) starts after them: only
            // what came since arrives.
            Alert marker = append(log, 6);
            try (OutputQueue queue = log.queue("siem")) {
                assertThat(read(queue, 1)).extracting(SpoolEntry::uuid).containsExactly(marker.uuid());
            }
        }
    }

    @Test
    void undeliveredEntriesComeBackToTheNextMember() throws Exception {
        try (KafkaLog log = open("again", 3)) {
            for (int i = 0; i < 6; i++) {
                append(log, i);
            }
            Set<String> undelivered = new HashSet<>();
            try (OutputQueue queue = log.queue("siem")) {
                List<SpoolEntry> entries = read(queue, 6);
                assertThat(entries).hasSize(6);
                for (SpoolEntry e : entries.subList(0, 3)) {
                    queue.remove(e).get();
                }
                entries.subList(3, 6).forEach(e -> undelivered.add(e.uuid()));
            }
            // Offsets are committed per partition up to the first undelivered entry: every
            // undelivered one is read again (and delivered ones after it in its partition too).
            try (OutputQueue queue = log.queue("siem")) {
                Set<String> again = new HashSet<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!again.containsAll(undelivered) && System.nanoTime() < deadline) {
                    queue.next(6, Duration.ofMillis(200)).forEach(e -> again.add(e.uuid()));
                }
                assertThat(again).containsAll(undelivered);
            }
        }
    }

    @Test
    void aResentUuidIsHandedOutOnceEvenByTheNextOwner() throws Exception {
        try (KafkaLog log = open("resend", 1)) {
            Alert a = append(log, 0);
            try (OutputQueue queue = log.queue("siem")) {
                List<SpoolEntry> entries = read(queue, 1);
                assertThat(entries).extracting(SpoolEntry::uuid).containsExactly(a.uuid());
                queue.remove(entries.getFirst()).get();
                // The same alert again (a sender that did not get the answer) and a new one.
                assertThat(log.append(a, AlertJson.write(a), List.of("siem"), true)
                                .get(30, TimeUnit.SECONDS))
                        .isTrue();
                Alert b = append(log, 1);
                List<SpoolEntry> next = read(queue, 1);
                assertThat(next).extracting(SpoolEntry::uuid).containsExactly(b.uuid());
                queue.remove(next.getFirst()).get();
            }
            // A new member (another replica) reads what was delivered back and still knows a:
            // a resent after it, then a fresh marker to read up to.
            assertThat(log.append(a, AlertJson.write(a), List.of("siem"), true).get(30, TimeUnit.SECONDS))
                    .isTrue();
            Alert marker = append(log, 2);
            try (OutputQueue queue = log.queue("siem")) {
                assertThat(read(queue, 1)).extracting(SpoolEntry::uuid).containsExactly(marker.uuid());
            }
        }
    }

    @Test
    void aBuriedEntryGoesToTheDeadLetterTopicWithItsReason() throws Exception {
        try (KafkaLog log = open("dead", 3)) {
            Alert a = append(log, 2);
            try (OutputQueue queue = log.queue("siem")) {
                SpoolEntry e = read(queue, 1).getFirst();
                assertThat(queue.bury(e, "HTTP 400: bad request").get(30, TimeUnit.SECONDS))
                        .isTrue();
            }
            Map<String, Object> props = Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                    false);
            try (KafkaConsumer<String, byte[]> c =
                    new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
                TopicPartition tp = new TopicPartition("dead.siem.dead", 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (records.isEmpty() && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(records::add);
                }
                assertThat(records).hasSize(1);
                ConsumerRecord<String, byte[]> r = records.getFirst();
                assertThat(new String(
                                r.headers().lastHeader(KafkaLog.UUID_HEADER).value(), StandardCharsets.UTF_8))
                        .isEqualTo(a.uuid());
                assertThat(new String(
                                r.headers().lastHeader(KafkaLog.REASON_HEADER).value(), StandardCharsets.UTF_8))
                        .isEqualTo("HTTP 400: bad request");
                assertThat(r.value()).isEqualTo(AlertJson.write(a));
            }
        }
    }

    @Test
    void badSettingsNameTheirFullKey() {
        assertThatThrownBy(() -> new KafkaLog(
                        KafkaSettings.of("bad", List.of(), 0),
                        List.of(output("siem")),
                        dir,
                        Duration.ofHours(1),
                        Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p).startsWith("peregrine.log.kafka.bootstrap-servers: required"))
                        .anySatisfy(p -> assertThat(p)
                                .startsWith("peregrine.log.kafka.partitions: must be between 1 and 1024")));
    }

    @Test
    void brokersThatDoNotAnswerStopStartupNamingTheKey() {
        PeregrineProperties.Kafka s = new PeregrineProperties.Kafka(
                List.of("127.0.0.1:1"), "none.", "none-group.", 3, (short) 0, Duration.ofSeconds(2), Map.of());
        assertThatThrownBy(() -> new KafkaLog(s, List.of(output("siem")), dir, Duration.ofHours(1), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.log.kafka.bootstrap-servers:")
                .hasMessageContaining("peregrine.log.kafka.startup-timeout");
    }

    @Test
    void dedupAndGroupWindowsPartitionByTheirKey() {
        Alert a = SampleAlerts.alert(0);
        assertThat(KafkaLog.partitionKey(Policy.NONE).apply(a)).isEqualTo(a.uuid());
        assertThat(KafkaLog.partitionKey(new Policy.Group(Duration.ofMinutes(1), null))
                        .apply(a))
                .isEqualTo(a.rule());
    }
}
