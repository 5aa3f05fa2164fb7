package dev.peregrine.sidekick.spool.kafka;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.OutputQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert log shared by several sidekick replicas: one Kafka topic per output. Intake writes
 * one record per routed output with an idempotent producer and {@code acks=all}, and answers
 * only once every record is acknowledged. Each output's topic is read by its own consumer group
 * ({@link KafkaOutputQueue}), so the replicas share each output's deliveries and an output that
 * is down holds back nothing but its own topic.
 *
 * <p>A record's key decides its partition, and so which replica delivers it: the output's dedup
 * key (or the rule, when grouping), so that one replica sees every alert of a window; the uuid
 * otherwise. Either way a resent alert lands in the partition of its first copy, where the
 * partition's owner recognises the uuid.
 */
public final class KafkaLog implements AlertLog {
    private static final Logger log = LoggerFactory.getLogger(KafkaLog.class);
    static final String UUID_HEADER = "peregrine.uuid";
    static final String REASON_HEADER = "peregrine.dead.reason";
    /** Partition numbers are packed into entry ids (see {@link KafkaOutputQueue#id}). */
    static final int MAX_PARTITIONS = 1024;

    private static final String KEY = "peregrine.log.kafka";

    private final PeregrineProperties.Kafka settings;
    private final Path stateDir;
    private final Duration uuidWindow;
    private final Clock clock;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, Function<Alert, String>> keys = new HashMap<>();

    /**
     * @param uuidWindow how long a delivered uuid is recognised when it comes again
     * @throws ConfigException when the settings cannot work or the brokers cannot be reached
     */
    public KafkaLog(
            PeregrineProperties.Kafka settings,
            List<ConfiguredOutput> outputs,
            Path stateDir,
            Duration uuidWindow,
            Clock clock) {
        check(settings);
        this.settings = settings;
        this.stateDir = stateDir;
        this.uuidWindow = uuidWindow;
        this.clock = clock;
        outputs.forEach(o -> keys.put(o.name(), partitionKey(o.policy())));
        createTopics(outputs.stream().map(ConfiguredOutput::name).toList());
        Map<String, Object> p = common();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        // Intake must answer within a sender's patience: better RETRY_LATER than a hung request.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.putAll(settings.properties());
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        log.info(
                "alert log: Kafka at {}, topics {}<output>, consumer groups {}<output>",
                String.join(",", settings.bootstrapServers()),
                settings.topicPrefix(),
                settings.groupPrefix());
    }

    private static void check(PeregrineProperties.Kafka s) {
        List<String> problems = new ArrayList<>();
        if (s.bootstrapServers().isEmpty() || s.bootstrapServers().stream().anyMatch(b -> b == null || b.isBlank())) {
            problems.add(
                    KEY + ".bootstrap-servers: required when peregrine.log.mode is kafka (host:port of the brokers)");
        }
        if (s.partitions() < 1 || s.partitions() > MAX_PARTITIONS) {
            problems.add(KEY + ".partitions: must be between 1 and " + MAX_PARTITIONS + ", was " + s.partitions());
        }
        if (s.replicationFactor() < 0) {
            problems.add(KEY + ".replication-factor: must be 0 (the broker's default) or more, was "
                    + s.replicationFactor());
        }
        if (s.topicPrefix().isBlank()) {
            problems.add(KEY + ".topic-prefix: must not be empty");
        }
        if (s.groupPrefix().isBlank()) {
            problems.add(KEY + ".group-prefix: must not be empty");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** Which alerts must meet in one partition: those one replica's dedup or group window counts. */
    static Function<Alert, String> partitionKey(Policy policy) {
        return switch (policy) {
            case Policy.Dedup d -> d.key()::of;
            case Policy.Group g -> Alert::rule;
            case Policy.None n -> Alert::uuid;
        };
    }

    String topic(String output) {
        return settings.topicPrefix() + output;
    }

    String deadTopic(String output) {
        return topic(output) + ".dead";
    }

    /** Creates each output's topic and dead-letter topic unless they exist; stops startup when the brokers do not answer. */
    private void createTopics(List<String> outputs) {
        Map<String, Object> p = common();
        p.putAll(settings.properties());
        Optional<Short> replication =
                settings.replicationFactor() == 0 ? Optional.empty() : Optional.of(settings.replicationFactor());
        List<NewTopic> topics = new ArrayList<>();
        for (String o : outputs) {
            topics.add(new NewTopic(topic(o), Optional.of(settings.partitions()), replication));
            topics.add(new NewTopic(deadTopic(o), Optional.of(1), replication));
        }
        Admin admin = Admin.create(p);
        long deadline = System.nanoTime() + settings.startupTimeout().toNanos();
        try {
            var result = admin.createTopics(topics);
            for (var f : result.values().entrySet()) {
                try {
                    f.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    log.info("created topic {}", f.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new ConfigException(
                                KEY + ".bootstrap-servers",
                                "cannot create topic " + f.getKey() + ": "
                                        + e.getCause().getMessage());
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new ConfigException(
                    KEY + ".bootstrap-servers",
                    "no answer from " + settings.bootstrapServers() + " within " + settings.startupTimeout() + " ("
                            + KEY + ".startup-timeout)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } finally {
            // Without a bound, closing waits for the requests still pending (a minute by default).
            admin.close(Duration.ofSeconds(1));
        }
    }

    Map<String, Object> common() {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", settings.bootstrapServers()));
        return p;
    }

    /**
     * What every client of these brokers needs: where they are and the operator's own client
     * settings ({@code peregrine.log.kafka.properties}: security, timeouts). For the replicas'
     * other topics (the detector fleet's sightings).
     */
    public static Map<String, Object> clientSettings(PeregrineProperties.Kafka settings) {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", settings.bootstrapServers()));
        p.putAll(settings.properties());
        return p;
    }

    PeregrineProperties.Kafka settings() {
        return settings;
    }

    KafkaProducer<String, byte[]> producer() {
        return producer;
    }

    /** Completes once Kafka acknowledged the alert for every output (all in-sync replicas). */
    @Override
    public CompletableFuture<Boolean> append(Alert alert, byte[] payload, List<String> outputs, boolean remember) {
        List<CompletableFuture<Boolean>> sent = new ArrayList<>(outputs.size());
        for (String o : outputs) {
            Function<Alert, String> key = keys.getOrDefault(o, Alert::uuid);
            sent.add(send(topic(o), key.apply(alert), alert.uuid(), payload, null));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(v -> true);
    }

    CompletableFuture<Boolean> send(String topic, String key, String uuid, byte[] payload, String reason) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, clock.millis(), key, payload);
        record.headers().add(UUID_HEADER, uuid.getBytes(StandardCharsets.UTF_8));
        if (reason != null) {
            record.headers().add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        }
        CompletableFuture<Boolean> acked = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    acked.completeExceptionally(error);
                } else {
                    acked.complete(true);
                }
            });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    @Override
    public OutputQueue queue(String output) {
        return new KafkaOutputQueue(this, output, uuidWindow, clock);
    }

    @Override
    public long depth(String output) {
        return -1;
    }

    @Override
    public Set<String> outputsWithBacklog() {
        return Set.of();
    }

    @Override
    public Path stateDir() {
        return stateDir;
    }

    @Override
    public void close() {
        log.info("alert log: producer {}", batching(producer.metrics()));
        producer.close(Duration.ofSeconds(10));
    }

    /** How well intake batched, from the producer's own metrics: what a tuning is judged by. */
    static String batching(Map<MetricName, ? extends Metric> metrics) {
        Map<String, Object> m = new TreeMap<>();
        metrics.forEach((name, metric) -> {
            if (name.group().equals("producer-metrics") && BATCHING.contains(name.name())) {
                m.put(name.name(), metric.metricValue());
            }
        });
        return m.toString();
    }

    private static final Set<String> BATCHING = Set.of(
            "record-send-total",
            "request-total",
            "records-per-request-avg",
            "batch-size-avg",
            "record-size-avg",
            "record-queue-time-avg",
            "request-latency-avg",
            "compression-rate-avg");
}
