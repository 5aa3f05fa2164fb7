package dev.peregrine.bench.spool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A durable FIFO of alerts, as the sidekick's spool uses one: many producers append, each append
 * acknowledged only once it is on disk; one consumer reads in order and removes what it delivered.
 */
public interface AlertStore extends AutoCloseable {

    /** An appended alert as read back: {@code id} grows strictly in commit order. */
    record Entry(long id, byte[] payload) {}

    /** Completes when the alert is durable (fsync'ed). */
    CompletableFuture<Void> append(String uuid, byte[] payload);

    /** Up to {@code max} entries after {@code afterId}, in order; waits up to {@code waitMillis} for the first. */
    List<Entry> read(long afterId, int max, long waitMillis) throws InterruptedException;

    /** Removes delivered entries (all ids up to and including the last one given). Not awaited. */
    void remove(List<Entry> delivered);

    @Override
    void close() throws Exception;
}
