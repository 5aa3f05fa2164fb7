package dev.peregrine.sidekick.output.kafka;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * An Apache Kafka topic. Each alert is one record: Falco JSON with its uuid as the value, the uuid
 * again as a header, and a key chosen by {@code key}. The producer is idempotent with
 * {@code acks=all}; an alert counts as delivered only when the broker acknowledged it.
 *
 * @param bootstrapServers {@code host:port} of one or more brokers (Falcosidekick's
 *     {@code KAFKA_HOSTPORT}, comma-separated there)
 * @param topic where the records go; it must exist unless the brokers create topics on use
 * @param key {@code none} (no key: records spread over the partitions), {@code rule},
 *     {@code hostname}, or a Pebble template over the alert, e.g. {@code {{ output_fields["k8s.ns.name"] }}}
 * @param clientId the producer's {@code client.id}; default {@code peregrine-<output name>}
 * @param timeout how long one alert may take: waiting for metadata, sending and the
 *     acknowledgement together ({@code max.block.ms}, {@code delivery.timeout.ms})
 * @param alertsInFlight alerts handed to the producer and not yet acknowledged, at most: the
 *     producer batches them ({@code linger.ms}, {@code batch.size}) instead of one thread waiting
 *     per alert; each leaves the spool only once the broker acknowledged its record. The output's
 *     {@code parallelism} does not apply.
 * @param properties any other Kafka producer property, passed through unchanged: TLS
 *     ({@code security.protocol}, {@code ssl.*}), SASL ({@code sasl.*}), {@code compression.type}...
 */
@OutputType("kafka")
@FalcosidekickOutput(
        value = "kafka",
        keys = {"hostport: bootstrap-servers", "topic", "clientid: client-id"})
public record KafkaConfig(
        @NotEmpty List<String> bootstrapServers,
        @NotBlank String topic,
        @DefaultValue("none") @NotBlank String key,
        String clientId,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("1024") @Min(1) @Max(65536) int alertsInFlight,
        @DefaultValue Map<String, String> properties)
        implements OutputConfig {

    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^\\s:/\\[\\]]+):\\d{1,5}");

    /** Keys this output sets itself; giving them would undo what delivery relies on. */
    static final Set<String> FIXED =
            Set.of("bootstrap.servers", "key.serializer", "value.serializer", "transactional.id");

    @Override
    public Output create(OutputContext context) {
        for (int i = 0; i < bootstrapServers.size(); i++) {
            String server = bootstrapServers.get(i).trim();
            if (!HOST_PORT.matcher(server).matches()) {
                throw new ConfigException(
                        context.key() + ".bootstrap-servers[" + i + "]", "must be host:port, got '" + server + "'");
            }
        }
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new ConfigException(
                    context.key() + ".topic",
                    "not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249): '" + topic + "'");
        }
        if (timeout.isNegative() || timeout.toMillis() < 100) {
            throw new ConfigException(context.key() + ".timeout", "must be at least 100ms, got " + timeout);
        }
        AlertTemplate keyTemplate = switch (key) {
            case "none", "rule", "hostname" -> null;
            default -> AlertTemplate.compile(context.key() + ".key", key);
        };
        Map<String, Object> producer = KafkaOutput.producerProperties(context, this);
        return new KafkaOutput(context.name(), this, producer, keyTemplate);
    }

    /** Same as {@link #bootstrapServers()}, trimmed and joined as Kafka wants them. */
    String servers() {
        return String.join(",", bootstrapServers.stream().map(String::trim).toList());
    }
}
