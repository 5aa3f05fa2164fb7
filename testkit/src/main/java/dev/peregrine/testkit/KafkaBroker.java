package dev.peregrine.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real Kafka broker (KRaft, no ZooKeeper) in the test's JVM on loopback, for tests of code that
 * produces to or consumes from Kafka, in this JVM or in processes it starts.
 */
public final class KafkaBroker implements AutoCloseable {
    private final EmbeddedKafkaKraftBroker broker;

    private KafkaBroker(EmbeddedKafkaKraftBroker broker) {
        this.broker = broker;
    }

    /**
     * Starts one broker whose auto-created topics have {@code partitions} partitions.
     */
    public static KafkaBroker start(int partitions) {
        return start(partitions, Map.of());
    }

    /**
     * Starts one broker with these broker properties as well, e.g. {@code auto.create.topics.enable=false}
     * for a topic that is missing until the test creates it.
     */
    public static KafkaBroker start(int partitions, Map<String, String> properties) {
        // The broker logs thousands of INFO lines while starting: slow on a busy machine, and noise.
        for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger")) {
            if (LoggerFactory.getLogger(name) instanceof Logger logger) {
                logger.setLevel(Level.WARN);
            }
        }
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions);
        broker.brokerProperties(properties);
        broker.afterPropertiesSet();
        return new KafkaBroker(broker);
    }

    /** host:port for bootstrap.servers. */
    public String bootstrapServers() {
        return broker.getBrokersAsString();
    }

    /** Creates topics in one admin round trip. */
    public void createTopics(NewTopic... topics) {
        broker.addTopics(Arrays.copyOf(topics, topics.length));
    }

    @Override
    public void close() {
        broker.destroy();
    }
}
