package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.config.PeregrineProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Kafka log's settings as the tests use them: topics and consumer group under {@code prefix},
 * the broker's own replication factor.
 */
public final class KafkaSettings {
    private KafkaSettings() {}

    public static PeregrineProperties.Kafka of(String prefix, List<String> servers, int partitions) {
        return new PeregrineProperties.Kafka(
                servers, prefix + ".", prefix + "-group.", partitions, (short) 0, Duration.ofSeconds(20), Map.of());
    }
}
