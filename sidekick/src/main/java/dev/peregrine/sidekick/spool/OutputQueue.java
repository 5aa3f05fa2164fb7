package dev.peregrine.sidekick.spool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One output's view of the {@link AlertLog}: entries to deliver, in order, and what became of
 * each. An entry that is neither removed nor buried is read again after a restart (at least once).
 */
public interface OutputQueue extends AutoCloseable {

    /**
     * Up to {@code max} entries not yet returned, waiting up to {@code wait} for the first one.
     * Called by one thread at a time.
     */
    List<SpoolEntry> next(int max, Duration wait) throws InterruptedException;

    /** The entry was delivered (or counted into a dedup window): it leaves the queue. Any thread. */
    CompletableFuture<Boolean> remove(SpoolEntry entry);

    /** The entry can never be delivered: kept aside as a dead letter with {@code reason}. Any thread. */
    CompletableFuture<Boolean> bury(SpoolEntry entry, String reason);

    /** Queues a new alert (a dedup follow-up) for this output; completes once it is durable. */
    CompletableFuture<Boolean> append(String uuid, byte[] payload);

    @Override
    void close();
}
