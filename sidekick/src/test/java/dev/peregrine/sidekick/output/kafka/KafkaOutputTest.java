package dev.peregrine.sidekick.output.kafka;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.testkit.KafkaBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The Kafka output against a real KRaft broker in the JVM, records read back with a real consumer. */
class KafkaOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("events", "peregrine.outputs.events");
    static final List<String> SAMPLES = SampleAlerts.LINES;

    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start(3);
        // All topics at once: each creation is an admin round trip. Three partitions each, so
        // tests do not see each other's records and keys have partitions to choose from.
        broker.createTopics(
                TOPICS.stream().map(t -> new NewTopic(t, 3, (short) 1)).toArray(NewTopic[]::new));
    }

    static final List<String> TOPICS = List.of(
            "alerts-rule",
            "alerts-order",
            "alerts-key-fails",
            "alerts-too-large",
            "alerts-key-1",
            "alerts-key-2",
            "alerts-key-3");

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    static String topic(String name) {
        assertThat(TOPICS).contains(name);
        return name;
    }

    static KafkaConfig config(String topic, String key, Map<String, String> properties) {
        return new KafkaConfig(
                List.of(broker.bootstrapServers()), topic, key, null, Duration.ofSeconds(10), 1024, properties);
    }

    /** Every record now in the topic, read from the beginning of each partition. */
    static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed");
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // Nothing beyond what was expected either: everything sent was acknowledged, so
            // it is all readable now; one more short poll finds any extra.
            consumer.poll(Duration.ofMillis(expected == 0 ? 500 : 100)).forEach(records::add);
            return records;
        }
    }

    static Map<String, String> headers(ConsumerRecord<?, ?> record) {
        Map<String, String> h = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            h.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return h;
    }

    @Test
    void eachAlertIsOneAcknowledgedRecordOfFalcoJsonWithItsUuid() throws Exception {
        String topic = topic("alerts-rule");
        List<Alert> sent = new ArrayList<>();
        try (Output out = config(topic, "rule", Map.of()).create(CONTEXT)) {
            for (int i = 0; i < SAMPLES.size(); i++) {
                Alert alert = sample(i);
                out.send(alert);
                sent.add(alert);
            }
        }

        // send() returned, so the broker has acknowledged every record: all are there to read.
        List<ConsumerRecord<String, byte[]>> records = readAll(topic, SAMPLES.size());
        assertThat(records).hasSize(SAMPLES.size());
        for (int i = 0; i < sent.size(); i++) {
            Alert alert = sent.get(i);
            ConsumerRecord<String, byte[]> r = records.stream()
                    .filter(rec -> headers(rec).get("uuid").equals(alert.uuid()))
                    .findFirst()
                    .orElseThrow();
            assertThat(r.key())
                    .isEqualTo(JSON.readTree(SAMPLES.get(i)).get("rule").stringValue());
            assertThat(headers(r)).containsExactly(Map.entry("uuid", alert.uuid()));
            ObjectNode falco = (ObjectNode) JSON.readTree(SAMPLES.get(i));
            falco.put("uuid", alert.uuid());
            assertThat(JSON.readTree(r.value())).isEqualTo(falco);
        }
    }

    @Test
    void recordsWithOneKeyLandOnOnePartitionInOrder() throws Exception {
        String topic = topic("alerts-order");
        List<String> uuids = new ArrayList<>();
        try (Output out = config(topic, "rule", Map.of()).create(CONTEXT)) {
            for (int i = 0; i < 6; i++) {
                Alert alert = sample(i % 2); // two rules, alternating
                out.send(alert);
                uuids.add(alert.uuid());
            }
        }

        List<ConsumerRecord<String, byte[]>> records = readAll(topic, 6);
        for (String rule : List.of("Terminal shell in container", "Read sensitive file untrusted")) {
            List<ConsumerRecord<String, byte[]>> ofRule =
                    records.stream().filter(r -> r.key().equals(rule)).toList();
            assertThat(ofRule.stream().map(ConsumerRecord::partition).distinct())
                    .hasSize(1);
            int first = rule.startsWith("Terminal") ? 0 : 1;
            assertThat(ofRule.stream().map(r -> headers(r).get("uuid")))
                    .containsExactly(uuids.get(first), uuids.get(first + 2), uuids.get(first + 4));
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "1 ; hostname ; 0 ; ip-10-0-1-23.eu-west-1.compute.internal",
                "2 ; none     ; 0 ; ",
                "3 ; {{ output_fields[\"k8s.ns.name\"] }}/{{ priority | lower }}:{{ tags | first }} ; 3 ; payments/notice:T1565"
            })
    void keyIsHostnameNoneOrATemplate(int topic, String key, int sample, String expected) {
        String topicName = topic("alerts-key-" + topic);
        Alert alert = sample(sample);
        try (Output out = config(topicName, key, Map.of()).create(CONTEXT)) {
            out.send(alert);
        } catch (DeliveryException e) {
            throw new AssertionError(e);
        }

        ConsumerRecord<String, byte[]> r = readAll(topicName, 1).getFirst();
        assertThat(r.key()).isEqualTo(expected);
        assertThat(headers(r)).containsExactly(Map.entry("uuid", alert.uuid()));
    }

    @Test
    void keyTemplateFailingOnAnAlertCostsTheKeyNotTheAlert() throws Exception {
        String topic = topic("alerts-key-fails");
        Alert alert = sample(1);
        try (Output out = config(topic, "{{ rule | abs }}", Map.of()).create(CONTEXT)) {
            out.send(alert);
        }

        ConsumerRecord<String, byte[]> r = readAll(topic, 1).getFirst();
        assertThat(r.key()).isNull();
        assertThat(headers(r).get("uuid")).isEqualTo(alert.uuid());
    }

    @Test
    void producerIsIdempotentWithAcksAllAndPassesOtherPropertiesThrough() {
        KafkaConfig config = new KafkaConfig(
                List.of("kafka-1:9092", " kafka-2:9093"),
                "falco",
                "none",
                null,
                Duration.ofSeconds(7),
                1024,
                Map.of(
                        "compression.type",
                        "zstd",
                        "security.protocol",
                        "SASL_SSL",
                        "sasl.mechanism",
                        "SCRAM-SHA-512",
                        "linger.ms",
                        "20"));

        assertThat(KafkaOutput.producerProperties(CONTEXT, config))
                .isEqualTo(Map.ofEntries(
                        Map.entry("compression.type", "zstd"),
                        Map.entry("security.protocol", "SASL_SSL"),
                        Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
                        Map.entry("bootstrap.servers", "kafka-1:9092,kafka-2:9093"),
                        Map.entry("client.id", "peregrine-events"),
                        Map.entry("acks", "all"),
                        Map.entry("enable.idempotence", "true"),
                        Map.entry("linger.ms", "20"),
                        Map.entry("max.block.ms", "7000"),
                        Map.entry("delivery.timeout.ms", "7000"),
                        Map.entry("request.timeout.ms", "6980")));
    }

    @Test
    void passedThroughPropertiesReachTheProducerAndARecordTheBrokerCannotTakeIsPermanent() throws Exception {
        String topic = topic("alerts-too-large");
        // max.request.size is the producer's own limit: a real effect of a passed-through property.
        try (Output out =
                config(topic, "none", Map.of("max.request.size", "1000")).create(CONTEXT)) {
            assertThatThrownBy(() -> out.send(sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage())
                        .startsWith("kafka topic alerts-too-large at " + broker.bootstrapServers()
                                + ": RecordTooLargeException: ");
            });
        }
        assertThat(readAll(topic, 0)).isEmpty();
    }

    @Test
    void brokerDownIsRetryableWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        KafkaConfig config = new KafkaConfig(
                List.of("127.0.0.1:" + closedPort), "alerts", "rule", null, Duration.ofMillis(1000), 1024, Map.of());

        long start = System.nanoTime();
        try (Output out = config.create(CONTEXT)) {
            assertThatThrownBy(() -> out.send(sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
                assertThat(e.retryable()).isTrue();
                assertThat(e.getMessage()).contains("TimeoutException").contains("1000 ms");
            });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void unresolvableBrokerDoesNotStopStartupAndIsRetryable() throws Exception {
        KafkaConfig config = new KafkaConfig(
                List.of("no-such-broker.invalid:9092"), "alerts", "rule", null, Duration.ofSeconds(1), 1024, Map.of());

        try (Output out = config.create(CONTEXT)) {
            assertThatThrownBy(() -> out.send(sample(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "properties.compresion.type | zstd   | peregrine.outputs.events.properties.compresion.type: not a Kafka producer property",
                "properties.compression.type | brotli | peregrine.outputs.events.properties.compression.type: Invalid value brotli for configuration compression.type",
                "properties.acks            | 1      | peregrine.outputs.events.properties.acks: is always all",
                "properties.enable.idempotence | false | peregrine.outputs.events.properties.enable.idempotence: is always true",
                "properties.bootstrap.servers | x:1  | peregrine.outputs.events.properties.bootstrap.servers: set by the output itself and cannot be configured; use bootstrap-servers",
                "properties.max.in.flight.requests.per.connection | 10 | peregrine.outputs.events.properties.max.in.flight.requests.per.connection: ",
                "topic                      | a/b    | peregrine.outputs.events.topic: not a valid Kafka topic name",
                "bootstrap-servers          | kafka  | peregrine.outputs.events.bootstrap-servers[0]: must be host:port, got 'kafka'",
                "key                        | {{ rule }}\\n{% if %} | peregrine.outputs.events.key: template error at line 2: "
            })
    void unusableSettingsStopStartupNamingTheKey(String key, String value, String expected) {
        Map<String, Object> props = new LinkedHashMap<>(Map.of(
                "peregrine.outputs.events.type", "kafka",
                "peregrine.outputs.events.bootstrap-servers", "127.0.0.1:9092",
                "peregrine.outputs.events.topic", "falco"));
        props.put("peregrine.outputs.events." + key, value.replace("\\n", "\n"));
        ConfiguredOutput configured = bind(props).getFirst();

        assertThatThrownBy(() -> configured.config().create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }

    @Test
    void missingTopicIsReportedByTheBinderNamingTheKey() {
        assertThatThrownBy(() -> bind(Map.of(
                        "peregrine.outputs.events.type", "kafka",
                        "peregrine.outputs.events.bootstrap-servers", "127.0.0.1:9092")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("peregrine.outputs.events.topic: must not be blank"));
    }

    @Test
    void bindsFromKebabKeysWithDottedPropertyNames() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.outputs.events.type", "kafka",
                "peregrine.outputs.events.bootstrap-servers", "k1:9092,k2:9092",
                "peregrine.outputs.events.topic", "falco",
                "peregrine.outputs.events.key", "hostname",
                "peregrine.outputs.events.properties.security.protocol", "SSL",
                "peregrine.outputs.events.properties.ssl.truststore.location", "/etc/kafka/ca.p12"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new KafkaConfig(
                        List.of("k1:9092", "k2:9092"),
                        "falco",
                        "hostname",
                        null,
                        Duration.ofSeconds(10),
                        1024,
                        Map.of("security.protocol", "SSL", "ssl.truststore.location", "/etc/kafka/ca.p12")));
    }

    /** Built once: the classpath scan and the validator take a while. */
}
