package dev.peregrine.sidekick.spool;

import dev.peregrine.sidekick.alert.Alert;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where accepted alerts wait for their outputs: intake appends, each output's delivery reads its
 * own {@link OutputQueue}. Two kinds: the local SQLite {@link Spool} (one sidekick) and a shared
 * Kafka log ({@link dev.peregrine.sidekick.spool.kafka.KafkaLog}, several replicas), chosen by
 * {@code peregrine.log.mode}.
 */
public interface AlertLog extends AutoCloseable {

    /**
     * Queues an alert for each of {@code outputs}; the future completes with true once it is
     * durable (on disk, or acknowledged by every in-sync Kafka replica), or with false when the
     * log knows the uuid was accepted before (nothing new written).
     *
     * @param remember false when the uuid was assigned on intake, so it cannot be a resend
     * @throws SpoolFullException at once when a local disk budget is used up
     */
    CompletableFuture<Boolean> append(Alert alert, byte[] payload, List<String> outputs, boolean remember);

    /** One output's queue; not thread-safe for reading, one per delivery. */
    OutputQueue queue(String output);

    /** Alerts waiting for {@code output}, or -1 when this log does not know it cheaply. */
    long depth(String output);

    /**
     * When the oldest alert waiting for {@code output} was accepted; empty when none waits or the
     * log cannot tell cheaply (Kafka: that is the consumer group's lag).
     */
    default Optional<Instant> oldestWaiting(String output) {
        return Optional.empty();
    }

    /** Dead letters kept per output; empty when the log keeps them elsewhere (Kafka: ".dead" topics). */
    default Map<String, Long> deadByOutput() {
        return Map.of();
    }

    /**
     * Where one alert stands per output: the outputs it still waits for, and those that refused it
     * for good with their reason; empty when it waits nowhere or the log cannot tell cheaply
     * (Kafka: the consumer groups' offsets say it, per partition).
     */
    default Map<String, String> statusOf(String uuid) {
        return Map.of();
    }

    /** Outputs that have alerts waiting, including ones that are no longer configured. */
    Set<String> outputsWithBacklog();

    /** The local directory for state kept beside the log (dedup windows). */
    Path stateDir();

    @Override
    void close();
}
