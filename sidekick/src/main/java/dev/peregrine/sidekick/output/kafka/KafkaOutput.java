package dev.peregrine.sidekick.output.kafka;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces each alert to a Kafka topic ({@code acks=all}, idempotent producer). Delivery hands it
 * up to {@code alerts-in-flight} alerts at once through {@link #submit}, so that the producer
 * batches them as it would any client's records; each alert's stage completes only when every
 * in-sync replica has its record, and only then does it leave the spool. One thread-safe producer
 * per output, built on the first send so that a broker whose name does not resolve yet does not
 * stop startup.
 */
final class KafkaOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(KafkaOutput.class);

    /** The record header carrying the alert's uuid; a redelivered alert keeps it. */
    static final String UUID_HEADER = "uuid";

    private final String name;
    private final KafkaConfig config;
    private final Map<String, Object> producerProperties;
    private final AlertTemplate keyTemplate;
    private final long waitMillis;
    private final String where;
    private Producer<String, byte[]> producer; // guarded by this
    private boolean closed; // guarded by this

    KafkaOutput(String name, KafkaConfig config, Map<String, Object> producerProperties, AlertTemplate keyTemplate) {
        this.name = name;
        this.config = config;
        this.producerProperties = Map.copyOf(producerProperties);
        this.keyTemplate = keyTemplate;
        // delivery.timeout.ms bounds the send; this only guards against a producer that never answers.
        this.waitMillis = config.timeout().toMillis() + 2_000;
        this.where = "kafka topic " + config.topic() + " at " + config.servers();
    }

    /**
     * The producer's properties: the pass-through ones, checked one by one against Kafka's own
     * definitions so that a typo or a bad value stops startup naming its key, then ours.
     *
     * @throws ConfigException naming {@code <output>.properties.<name>}
     */
    static Map<String, Object> producerProperties(OutputContext context, KafkaConfig config) {
        String base = context.key() + ".properties";
        Map<String, ConfigDef.ConfigKey> known = ProducerConfig.configDef().configKeys();
        Map<String, Object> props = new LinkedHashMap<>();
        config.properties().forEach((name, value) -> {
            String key = base + "." + name;
            ConfigDef.ConfigKey def = known.get(name);
            if (def == null) {
                throw new ConfigException(key, "not a Kafka producer property");
            }
            if (KafkaConfig.FIXED.contains(name)) {
                throw new ConfigException(
                        key,
                        "set by the output itself and cannot be configured"
                                + (name.equals("bootstrap.servers") ? "; use bootstrap-servers" : ""));
            }
            if (name.equals(ProducerConfig.MAX_BLOCK_MS_CONFIG)
                    || name.equals(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
                throw new ConfigException(key, "set from the output's timeout; use timeout");
            }
            if (name.equals(ProducerConfig.ACKS_CONFIG) && !(value.equals("all") || value.equals("-1"))) {
                throw new ConfigException(
                        key, "is always all: an alert counts as delivered only when every" + " in-sync replica has it");
            }
            if (name.equals(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG) && !value.equalsIgnoreCase("true")) {
                throw new ConfigException(key, "is always true: retries must not duplicate or reorder records");
            }
            try {
                Object parsed = ConfigDef.parseType(name, value, def.type);
                if (def.validator != null) {
                    def.validator.ensureValid(name, parsed);
                }
            } catch (org.apache.kafka.common.config.ConfigException e) {
                throw new ConfigException(key, e.getMessage());
            }
            props.put(name, value);
        });

        long timeout = config.timeout().toMillis();
        long linger = props.containsKey(ProducerConfig.LINGER_MS_CONFIG)
                ? Long.parseLong(
                        props.get(ProducerConfig.LINGER_MS_CONFIG).toString().trim())
                : 5;
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.servers());
        props.put(
                ProducerConfig.CLIENT_ID_CONFIG,
                config.clientId() == null || config.clientId().isBlank()
                        ? "peregrine-" + context.name()
                        : config.clientId());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(linger));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(timeout));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        props.putIfAbsent(
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                String.valueOf(Math.max(1, Math.min(30_000, timeout - linger))));

        // The whole set, for the checks across properties (max.in.flight with idempotence, timeouts).
        Map<String, Object> check = new LinkedHashMap<>(props);
        check.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        check.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try {
            new ProducerConfig(check);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            String named = config.properties().keySet().stream()
                    .filter(n -> e.getMessage() != null && e.getMessage().contains(n))
                    .findFirst()
                    .map(n -> base + "." + n)
                    .orElse(base);
            throw new ConfigException(named, e.getMessage());
        }
        return props;
    }

    /** Waits for the broker's acknowledgement of this one alert (tests, tools); delivery uses {@link #submit}. */
    @Override
    public void send(Alert alert) throws DeliveryException {
        await(submit(alert, AlertJson.write(alert)));
    }

    @Override
    public void send(SpooledAlert alert) throws DeliveryException {
        await(submit(alert));
    }

    private void await(CompletableFuture<Void> ack) throws DeliveryException {
        try {
            ack.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof DeliveryException d
                    ? d
                    : DeliveryException.retryable(where + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw DeliveryException.retryable(where + ": no acknowledgement within " + waitMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(where + ": interrupted", e);
        }
    }

    @Override
    public int alertsInFlight() {
        return config.alertsInFlight();
    }

    /**
     * Produces the spooled JSON as it is (the same bytes {@code AlertJson.write} made at intake);
     * the alert is parsed only when the key needs a field of it.
     */
    @Override
    public CompletableFuture<Void> submit(SpooledAlert alert) {
        if (config.key().equals("none")) {
            return submit(alert.uuid(), null, alert.json());
        }
        try {
            return submit(alert.alert(), alert.json());
        } catch (DeliveryException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> submit(Alert alert, byte[] json) {
        return submit(alert.uuid(), key(alert), json);
    }

    /**
     * Hands the record to the producer, which batches it with others ({@code linger.ms},
     * {@code batch.size}); completes from the producer's callback once the broker acknowledged it
     * ({@code acks=all}) or the producer gave up ({@code delivery.timeout.ms}). Blocks only while
     * the producer waits for metadata or buffer space ({@code max.block.ms}).
     */
    private CompletableFuture<Void> submit(String uuid, String key, byte[] json) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        Producer<String, byte[]> p;
        try {
            p = producer();
        } catch (DeliveryException e) {
            return CompletableFuture.failedFuture(e);
        }
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                config.topic(),
                null,
                key,
                json,
                List.of(new RecordHeader(UUID_HEADER, uuid.getBytes(StandardCharsets.UTF_8))));
        try {
            // The callback runs on the producer's I/O thread, and with it what completing the stage
            // triggers in Delivery: counters and queueing the spool removal, nothing that waits.
            p.send(record, (metadata, error) -> {
                if (error == null) {
                    ack.complete(null);
                } else {
                    ack.completeExceptionally(failure(p, error));
                }
            });
        } catch (KafkaException e) { // thrown by send() itself rather than through the callback
            ack.completeExceptionally(failure(p, e));
        } catch (RuntimeException e) {
            ack.completeExceptionally(DeliveryException.retryable(where + ": " + e, e));
        }
        return ack;
    }

    /** The record key for the configured mode; a template that fails on this alert costs the key, not the alert. */
    String key(Alert alert) {
        switch (config.key()) {
            case "none":
                return null;
            case "rule":
                return alert.rule();
            case "hostname":
                return alert.hostname().isEmpty() ? null : alert.hostname();
            default:
                try {
                    return keyTemplate.render(alert);
                } catch (AlertTemplate.RenderException e) {
                    log.warn(
                            "output {}: key template failed on alert {}, sending it without a key: {}",
                            name,
                            alert.uuid(),
                            e.getMessage());
                    return null;
                }
        }
    }

    private DeliveryException failure(Producer<String, byte[]> p, Throwable cause) {
        String message = where + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (cause instanceof RecordTooLargeException
                || cause instanceof RecordBatchTooLargeException
                || cause instanceof InvalidRecordException) {
            // The broker refuses this record as it is; sending it again cannot help.
            return DeliveryException.permanent(message);
        }
        if (cause instanceof AuthenticationException
                || cause instanceof AuthorizationException
                || cause instanceof OutOfOrderSequenceException
                || cause instanceof UnsupportedVersionException
                || cause instanceof IllegalStateException) {
            // Errors that can leave an idempotent producer unusable: start afresh on the next send,
            // so that fixing credentials or ACLs is enough to resume.
            discard(p);
        }
        return DeliveryException.retryable(message, cause);
    }

    private synchronized Producer<String, byte[]> producer() throws DeliveryException {
        if (closed) {
            throw DeliveryException.retryable("output " + name + " is closed", null);
        }
        if (producer == null) {
            try {
                producer = new KafkaProducer<>(producerProperties, new StringSerializer(), new ByteArraySerializer());
            } catch (KafkaException e) { // e.g. no bootstrap server name resolves yet
                Throwable root = e.getCause() == null ? e : e.getCause();
                throw DeliveryException.retryable(
                        "kafka " + config.servers() + ": cannot create the producer: " + root.getMessage(), e);
            }
        }
        return producer;
    }

    private synchronized void discard(Producer<String, byte[]> p) {
        if (producer == p) {
            producer = null;
            log.info("output {}: recreating the Kafka producer after a fatal error", name);
            p.close(Duration.ZERO);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
