package dev.peregrine.wal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes a store's database: writes queue up, and it commits whatever has
 * queued in a single transaction (group commit), so many writes share one fsync. What a write
 * means is the {@link Store}'s business; this class owns the loop, the fsync policy, the commit
 * linger and what happens to writes that will never be committed.
 *
 * <p>Fsync policy: with fsync on, only a batch holding a {@linkplain Store#durable durable}
 * write runs at {@code synchronous=FULL}; any other batch runs at {@code NORMAL}, written to the
 * WAL (it survives a killed process) and made power-safe by the next durable batch's fsync. So a
 * store whose durable writes are appends and whose other writes are removals can at worst see a
 * removal undone by a lost machine (one more delivery, never a loss), and a trickle of removals
 * costs no fsync each.
 *
 * <p>Linger: a batch smaller than {@code lingerBelow} waits the linger for company only if it
 * already has some or its first write came within three lingers of the previous commit's end,
 * i.e. when writes come close enough together that another one is likely within the linger
 * (1,000/s and up at 1 ms). At 100/s a linger would gather nothing and cost a timer wake-up and
 * its latency per commit.
 *
 * <p>A failed batch is rolled back whole: every write in it fails, or with {@link
 * Builder#retryFailedBatchesAfter} the batch is queued again and retried after a pause (until
 * the writer closes). Closing commits what is queued, then refuses further writes.
 *
 * @param <W> the store's writes
 */
public final class GroupCommitWriter<W> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    /**
     * What the writes mean: the store on top of the writer. Everything but {@link #fail} runs on
     * the writer thread, which alone uses the writer's connection once it has started.
     */
    public interface Store<W> {
        /** Whether {@code write} must survive a lost machine: a batch with one is fsync'd. */
        boolean durable(W write);

        /** Performs the batch inside the open transaction; throwing rolls the whole batch back. */
        void write(List<W> batch) throws SQLException;

        /** The batch is committed: count it, complete its writes. */
        void committed(List<W> batch);

        /** The batch was rolled back after {@code failure}, e.g. re-read what was counted ahead. */
        default void rolledBack(List<W> batch, Exception failure) {}

        /**
         * {@code write} will never be committed: its batch failed (and is not retried), or the
         * writer is closed or has stopped. May run on the thread that submitted it.
         */
        void fail(W write, Exception reason);

        /** Nothing was submitted for the idle interval: time for housekeeping on the writer's connection. */
        default void idle() {}
    }

    private final String name;
    private final Connection connection;
    private final Store<W> store;
    private final int maxBatch;
    private final int lingerBelow;
    private final long lingerNanos;
    private final long idleMillis;
    private final boolean fsync;
    /** Null: a failed batch fails its writes. */
    private final Duration retryPause;

    /** A batch lingers only if its first write came within this many lingers of the last commit. */
    private static final int LINGER_WHEN_WITHIN = 3;

    private final BlockingQueue<W> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    /** The connection's synchronous setting is FULL; writer thread only. */
    private boolean syncing;

    private final AtomicLong syncedCommits = new AtomicLong();
    private final AtomicLong unsyncedCommits = new AtomicLong();
    private final AtomicLong lingered = new AtomicLong();
    /** Writes submitted and neither committed nor failed yet; {@link #settled} is notified at zero. */
    private final AtomicLong unsettled = new AtomicLong();

    private final Object settled = new Object();

    private GroupCommitWriter(Builder<W> b) throws SQLException {
        this.name = b.name;
        this.connection = b.connection;
        this.store = b.store;
        this.maxBatch = b.maxBatch;
        this.lingerBelow = b.lingerBelow;
        this.lingerNanos = b.linger.toNanos();
        this.idleMillis = b.idleEvery.toMillis();
        this.fsync = b.fsync;
        this.retryPause = b.retryPause;
        // SQLite refuses to change it inside a transaction, so it is set before the first one.
        connection.setAutoCommit(true);
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
        }
        connection.setAutoCommit(false);
        this.syncing = fsync;
        this.thread = Thread.ofPlatform()
                .name(name.replace(' ', '-') + "-writer")
                .daemon()
                .start(this::run);
    }

    /**
     * A writer on {@code connection} (in WAL mode, e.g. from {@link WalDatabase#connect}), which it
     * uses from its own thread once started.
     */
    public static <W> Builder<W> on(Connection connection, Store<W> store) {
        return new Builder<>(connection, store);
    }

    /**
     * Queues {@code write} for the next batch; the store hears of it again when it is committed
     * or failed. Refused at once (through {@link Store#fail}) once the writer is closed.
     */
    public void submit(W write) {
        if (closed) {
            store.fail(write, new IllegalStateException(name + " is closed"));
            return;
        }
        unsettled.incrementAndGet();
        queue.add(write);
        // Lost the race with the writer's exit: nobody would ever complete it.
        if (closed && !thread.isAlive() && queue.remove(write)) {
            store.fail(write, new IllegalStateException(name + " is closed"));
            settle(1);
        }
    }

    /** Waits until every write submitted so far is committed or failed; false on timeout. */
    public boolean awaitSettled(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (settled) {
            while (unsettled.get() > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                settled.wait(left);
            }
        }
        return true;
    }

    /** Writes waiting for the writer to take them into a batch. */
    public int queued() {
        return queue.size();
    }

    /** Commits so far that were fsync'd (a durable write in the batch). */
    public long syncedCommits() {
        return syncedCommits.get();
    }

    /** Commits so far that were only written to the WAL (fsync off, or no durable write). */
    public long unsyncedCommits() {
        return unsyncedCommits.get();
    }

    /** Batches so far that waited the linger for company (tests). */
    long lingered() {
        return lingered.get();
    }

    /**
     * Commits what is queued (waiting up to 10 s for it), then stops; later writes are refused.
     * The connection stays open: it is the store's to close.
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<W> batch = new ArrayList<>(maxBatch);
        long lastCommitEnd = System.nanoTime();
        try {
            while (!closed || !queue.isEmpty()) {
                W first;
                try {
                    first = queue.poll(idleMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    if (!closed) {
                        continue;
                    }
                    first = queue.poll();
                    if (first == null) {
                        break;
                    }
                }
                if (first == null) {
                    store.idle();
                    continue;
                }
                long now = System.nanoTime();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                if (batch.size() < lingerBelow
                        && lingerNanos > 0
                        && (batch.size() > 1 || now - lastCommitEnd < LINGER_WHEN_WITHIN * lingerNanos)) {
                    lingered.incrementAndGet();
                    linger();
                    queue.drainTo(batch, maxBatch - batch.size());
                }
                commit(batch);
                batch.clear();
                lastCommitEnd = System.nanoTime();
            }
        } catch (RuntimeException | Error e) {
            log.error("{} writer stopped: {}", name, e.getMessage(), e);
        } finally {
            // Nobody may wait for a commit that will never come: refuse what is queued and
            // everything after it.
            closed = true;
            IllegalStateException stopped = new IllegalStateException("the " + name + " writer has stopped");
            batch.forEach(w -> store.fail(w, stopped));
            settle(batch.size());
            W w;
            while ((w = queue.poll()) != null) {
                store.fail(w, stopped);
                settle(1);
            }
        }
    }

    /**
     * Writes and commits one batch, or rolls it back and fails it, or, when failed batches are
     * retried, queues it again and pauses. A closing writer retries nothing: what fails then is
     * failed.
     */
    private void commit(List<W> batch) {
        try {
            syncFor(batch);
            store.write(batch);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the original failure is what matters
            }
            store.rolledBack(batch, e);
            if (retryPause == null || closed) {
                log.error("{} commit of {} writes failed: {}", name, batch.size(), e.getMessage());
                batch.forEach(w -> store.fail(w, e));
                settle(batch.size());
                return;
            }
            log.error(
                    "{} commit of {} writes failed, retried in {} ms: {}",
                    name,
                    batch.size(),
                    retryPause.toMillis(),
                    e.getMessage());
            queue.addAll(batch);
            try {
                Thread.sleep(retryPause);
            } catch (InterruptedException closing) {
                // close(): the batch is tried once more, and failed if it fails again
            }
            return;
        }
        (syncing ? syncedCommits : unsyncedCommits).incrementAndGet();
        store.committed(batch);
        settle(batch.size());
    }

    /** Waits out the linger; close() (which interrupts) cuts it short. */
    private void linger() {
        long until = System.nanoTime() + lingerNanos;
        long left = lingerNanos;
        while (left > 0 && !closed && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(left);
            left = until - System.nanoTime();
        }
    }

    private void syncFor(List<W> batch) throws SQLException {
        if (!fsync) {
            return;
        }
        boolean durable = false;
        for (W w : batch) {
            if (store.durable(w)) {
                durable = true;
                break;
            }
        }
        if (durable != syncing) {
            // SQLite refuses to change it inside a transaction, and the driver keeps one open
            // between commits (empty here: the batch has not started).
            connection.setAutoCommit(true);
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA synchronous=" + (durable ? "FULL" : "NORMAL"));
            } finally {
                connection.setAutoCommit(false);
            }
            syncing = durable;
        }
    }

    private void settle(int writes) {
        if (writes > 0 && unsettled.addAndGet(-writes) == 0) {
            synchronized (settled) {
                settled.notifyAll();
            }
        }
    }

    /** How the writer batches, syncs and treats failures; see the setters. */
    public static final class Builder<W> {
        private final Connection connection;
        private final Store<W> store;
        private String name = "store";
        private boolean fsync;
        private int maxBatch = 2048;
        private int lingerBelow = 64;
        private Duration linger = Duration.ZERO;
        private Duration idleEvery = Duration.ofSeconds(1);
        private Duration retryPause;

        private Builder(Connection connection, Store<W> store) {
            this.connection = connection;
            this.store = store;
        }

        /** For logs and errors ("{name} is closed"); the thread is "{name}-writer", spaces as dashes. */
        public Builder<W> name(String name) {
            this.name = name;
            return this;
        }

        /** Whether a batch with a durable write is fsync'd ({@code synchronous=FULL}); off: none is. */
        public Builder<W> fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /**
         * At most {@code maxBatch} writes per transaction; a batch of fewer than {@code
         * lingerBelow} waits {@code linger} for company before it commits. An fsync's CPU cost is
         * per commit, so when writes arrive one by one a millisecond of waiting saves most of it;
         * a batch that large already shares its fsync well and commits at once.
         */
        public Builder<W> batches(int maxBatch, int lingerBelow, Duration linger) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, not " + maxBatch);
            }
            this.maxBatch = maxBatch;
            this.lingerBelow = lingerBelow;
            this.linger = linger;
            return this;
        }

        /** How long without writes before {@link Store#idle} runs (and again after as long). */
        public Builder<W> idleEvery(Duration idleEvery) {
            if (idleEvery.toMillis() < 1) {
                throw new IllegalArgumentException("idleEvery must be at least 1 ms, not " + idleEvery);
            }
            this.idleEvery = idleEvery;
            return this;
        }

        /**
         * A failed batch is queued again and retried after {@code pause} instead of failing its
         * writes: for writes nobody waits on, which must not be lost to a passing error (a full
         * disk, a locked file).
         */
        public Builder<W> retryFailedBatchesAfter(Duration pause) {
            this.retryPause = pause;
            return this;
        }

        /** Sets the connection's synchronous mode and starts the writer thread. */
        public GroupCommitWriter<W> start() throws SQLException {
            return new GroupCommitWriter<>(this);
        }
    }
}
