package dev.peregrine.bench.spool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The part every store shares, as {@code dev.peregrine.sidekick.spool.Spool} does it: one writer
 * thread takes whatever appends and removals have queued up (at most {@value #MAX_BATCH}), writes
 * them, makes them durable with one sync, and only then completes the appends' futures. So the
 * stores differ only in {@link #writeBatch} / {@link #sync} and in how they read.
 */
abstract class GroupCommitStore implements AlertStore {
    static final int MAX_BATCH = 2048;

    private sealed interface Op permits Append, Remove {}

    private record Append(String uuid, byte[] payload, CompletableFuture<Void> done) implements Op {}

    private record Remove(long upToId, int count) implements Op {}

    private final BlockingQueue<Op> ops = new LinkedBlockingQueue<>();
    /** Rung after each commit that appended something, so an idle reader wakes at once. */
    private final Semaphore doorbell = new Semaphore(0);

    private final Thread writer;
    private volatile boolean closed;
    private volatile Throwable failure;

    GroupCommitStore() {
        writer = Thread.ofPlatform().name("store-writer").daemon().unstarted(this::writeLoop);
    }

    /** Subclasses call this at the end of their constructor. */
    final void start() {
        writer.start();
    }

    /** Stages the appends of one batch; returns nothing, ids are the store's business. */
    abstract void writeAppends(List<String> uuids, List<byte[]> payloads) throws Exception;

    /** Stages the removal of every entry with id &lt;= upToId ({@code count} of them). */
    abstract void writeRemove(long upToId, int count) throws Exception;

    /** Commits what was staged and makes it durable. */
    abstract void sync() throws Exception;

    /** Reads without waiting. */
    abstract List<Entry> readNow(long afterId, int max) throws Exception;

    /** Releases files; called on the writer thread after its last batch. */
    abstract void closeStore() throws Exception;

    @Override
    public final CompletableFuture<Void> append(String uuid, byte[] payload) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("closed"));
        } else {
            ops.add(new Append(uuid, payload, done));
        }
        return done;
    }

    @Override
    public final List<Entry> read(long afterId, int max, long waitMillis) throws InterruptedException {
        try {
            List<Entry> entries = readNow(afterId, max);
            if (entries.isEmpty()) {
                doorbell.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
                doorbell.drainPermits();
                entries = readNow(afterId, max);
            }
            return entries;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("read failed: " + e, e);
        }
    }

    @Override
    public final void remove(List<Entry> delivered) {
        if (!delivered.isEmpty()) {
            ops.add(new Remove(delivered.getLast().id(), delivered.size()));
        }
    }

    @Override
    public final void close() throws Exception {
        closed = true; // no interrupt: it would close the stores' FileChannels (ClosedByInterruptException)
        writer.join(30_000);
        if (failure != null) {
            throw new IllegalStateException("store writer failed", failure);
        }
    }

    private void writeLoop() {
        List<Op> batch = new ArrayList<>(MAX_BATCH);
        List<String> uuids = new ArrayList<>(MAX_BATCH);
        List<byte[]> payloads = new ArrayList<>(MAX_BATCH);
        List<CompletableFuture<Void>> done = new ArrayList<>(MAX_BATCH);
        try {
            while (!closed || !ops.isEmpty()) {
                Op first;
                try {
                    first = ops.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (first == null) {
                    continue;
                }
                batch.add(first);
                ops.drainTo(batch, MAX_BATCH - 1);
                long removeUpTo = -1;
                int removeCount = 0;
                for (Op op : batch) {
                    switch (op) {
                        case Append a -> {
                            uuids.add(a.uuid());
                            payloads.add(a.payload());
                            done.add(a.done());
                        }
                        case Remove r -> {
                            removeUpTo = Math.max(removeUpTo, r.upToId());
                            removeCount += r.count();
                        }
                    }
                }
                try {
                    if (!payloads.isEmpty()) {
                        writeAppends(uuids, payloads);
                    }
                    if (removeUpTo >= 0) {
                        writeRemove(removeUpTo, removeCount);
                    }
                    sync();
                    done.forEach(f -> f.complete(null));
                    if (!payloads.isEmpty()) {
                        doorbell.release();
                    }
                } catch (Exception e) {
                    failure = e;
                    done.forEach(f -> f.completeExceptionally(e));
                }
                batch.clear();
                uuids.clear();
                payloads.clear();
                done.clear();
            }
        } finally {
            try {
                closeStore();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }
}
