package dev.peregrine.sidekick.fleet;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.spool.kafka.KafkaLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which detectors the other sidekick replicas have heard from, in Kafka mode: a detector's stream
 * goes to one replica and moves when that replica dies or its connections age out, so a replica
 * alone cannot tell a detector that left it from one that died. Each replica writes its own
 * sightings (and a heartbeat of its own) to one small compacted topic beside the alert log's,
 * keyed by detector and replica, and reads the whole topic back with a consumer of its own (no
 * group: every replica sees every record).
 */
public final class ReplicaSightings implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSightings.class);
    /** Fields a newer replica adds (during a rolling upgrade) are left alone. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final String HEARTBEAT = "@";

    /** One replica's word on one detector; {@code lastSeen} in epoch millis. */
    public record Sighting(
            String replica,
            String id,
            String hostname,
            String node,
            String cluster,
            String version,
            long lastSeen,
            boolean connected) {}

    private final String replica;
    private final String topic;
    private final long aliveMillis;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    /** Detector id to replica to that replica's latest sighting; other replicas only. */
    private final Map<String, Map<String, Sighting>> sightings = new ConcurrentHashMap<>();
    /** Replica to when its heartbeat was written (its own clock). */
    private final Map<String, Long> heartbeats = new ConcurrentHashMap<>();

    private final Thread reader;
    private volatile boolean running = true;

    /**
     * @param replica this replica's name, unique among the replicas
     * @param downAfter the fleet's down-after: a replica silent for that long counts as gone
     */
    public ReplicaSightings(PeregrineProperties.Kafka settings, String replica, Duration downAfter) {
        this.replica = replica;
        this.topic = topic(settings);
        this.aliveMillis = downAfter.toMillis();
        createTopic(settings, Math.max(Duration.ofHours(1).toMillis(), 10 * downAfter.toMillis()));
        Map<String, Object> p = KafkaLog.clientSettings(settings);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> c = KafkaLog.clientSettings(settings);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.reader = Thread.ofPlatform().name("fleet-sightings").daemon().start(this::read);
        log.info("detector fleet: replica {} shares its sightings on topic {}", replica, topic);
    }

    /** Beside the alert log's topics; '_' keeps it apart from every output's (names are [a-z0-9-]). */
    static String topic(PeregrineProperties.Kafka settings) {
        return settings.topicPrefix() + "_fleet";
    }

    public String replica() {
        return replica;
    }

    /** Tells the other replicas; written in the background, a lost one is made up by the next. */
    void publish(Sighting s) {
        send(s.id() + HEARTBEAT + replica, JSON.writeValueAsBytes(s));
    }

    /** Tells the other replicas this one is alive (and so still holds what it last published). */
    void heartbeat(long now) {
        send(HEARTBEAT + replica, Long.toString(now).getBytes(StandardCharsets.UTF_8));
    }

    private void send(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (m, e) -> {
                if (e != null) {
                    log.warn("detector fleet: could not share a sighting: {}", e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            log.warn("detector fleet: could not share a sighting: {}", e.getMessage());
        }
    }

    /** The freshest sighting of {@code id} by another replica, if any. */
    Optional<Sighting> latest(String id) {
        Map<String, Sighting> byReplica = sightings.get(id);
        return byReplica == null
                ? Optional.empty()
                : byReplica.values().stream().max((a, b) -> Long.compare(a.lastSeen(), b.lastSeen()));
    }

    /** The detectors other replicas have heard from. */
    Iterable<String> detectors() {
        return sightings.keySet();
    }

    /** Whether {@code name} (this replica or another) wrote a heartbeat within down-after. */
    boolean alive(String name, long now) {
        if (name.equals(replica)) {
            return true;
        }
        Long at = heartbeats.get(name);
        return at != null && now - at <= aliveMillis;
    }

    /** When {@code name} last wrote a heartbeat (its clock), or -1. */
    long heartbeat(String name) {
        return heartbeats.getOrDefault(name, -1L);
    }

    /** The replica that speaks for a replica gone: the first by name of those alive. */
    String firstAlive(long now) {
        String first = replica;
        for (String r : heartbeats.keySet()) {
            if (alive(r, now) && r.compareTo(first) < 0) {
                first = r;
            }
        }
        return first;
    }

    private void read() {
        while (running) {
            try {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        apply(r);
                    } catch (RuntimeException e) {
                        // One record another version wrote does not cost the rest of the batch.
                        log.warn("detector fleet: skipped sighting {}: {}", r.key(), e.getMessage());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("detector fleet: could not read the other replicas' sightings: {}", e.getMessage());
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null || r.value() == null) {
            return;
        }
        if (r.key().startsWith(HEARTBEAT)) {
            String from = r.key().substring(HEARTBEAT.length());
            if (!from.equals(replica)) {
                heartbeats.merge(from, Long.parseLong(new String(r.value(), StandardCharsets.UTF_8)), Math::max);
            }
            return;
        }
        Sighting s = JSON.readValue(r.value(), Sighting.class);
        if (!s.replica().equals(replica)) {
            sightings.computeIfAbsent(s.id(), k -> new ConcurrentHashMap<>()).put(s.replica(), s);
        }
    }

    private void createTopic(PeregrineProperties.Kafka settings, long retentionMillis) {
        Optional<Short> replication =
                settings.replicationFactor() == 0 ? Optional.empty() : Optional.of(settings.replicationFactor());
        NewTopic t = new NewTopic(topic, Optional.of(1), replication)
                .configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG,
                        Long.toString(retentionMillis)));
        try (Admin admin = Admin.create(KafkaLog.clientSettings(settings))) {
            admin.createTopics(List.of(t)).all().get(settings.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new ConfigException(
                        "peregrine.log.kafka.bootstrap-servers",
                        "cannot create topic " + topic + ": " + e.getCause().getMessage());
            }
        } catch (TimeoutException e) {
            throw new ConfigException(
                    "peregrine.log.kafka.bootstrap-servers",
                    "no answer from " + settings.bootstrapServers() + " within " + settings.startupTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(1));
        producer.close(Duration.ofSeconds(5));
    }
}
