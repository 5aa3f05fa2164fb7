package dev.peregrine.sidekick.spool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable per-output queues: one SQLite database in WAL mode, one logical queue per output.
 *
 * <p>All writes go through one writer thread that commits whatever has queued up in one
 * transaction (group commit), so many concurrent appends share one fsync. An append's future
 * completes only after its transaction is committed: that is when the sender may be told the
 * alert is safe. Readers use their own connections (WAL lets them run beside the writer).
 *
 * <p>Uuids of accepted alerts are remembered for {@code dedupWindow}, so a sender that resends
 * after a lost acknowledgement does not cause a second delivery.
 */
public final class Spool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final int MAX_BATCH = 2048;
    /** A batch this large already shares its fsync well: commit it without lingering. */
    private static final int LINGER_BELOW = 64;

    private final Path file;
    private final long maxBytes;
    private final boolean fsync;
    private final Duration dedupWindow;
    private final long commitLingerNanos;
    private final Clock clock;
    private final Connection writer;
    private final BlockingQueue<Write> writes = new LinkedBlockingQueue<>();
    private final Map<String, QueueStats> stats = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<Boolean>> doorbells = new ConcurrentHashMap<>();
    private final AtomicLong totalBytes = new AtomicLong();
    private final Thread writerThread;
    private volatile boolean closed;
    private long lastPrune;
    /** The writer connection's synchronous setting is FULL (fsync per commit); writer thread only. */
    private boolean syncing;
    /** Commits by whether they were fsync'd; see {@link #commits}. */
    private final AtomicLong syncedCommits = new AtomicLong();

    private final AtomicLong unsyncedCommits = new AtomicLong();

    public Spool(Path dir, long maxBytes, boolean fsync, Duration dedupWindow, Clock clock) {
        this(dir, maxBytes, fsync, dedupWindow, Duration.ZERO, clock);
    }

    /**
     * @param commitLinger how long the writer lets a small batch wait for company before it
     *     commits: fsync's CPU cost is per commit, so with alerts streaming in one by one (gRPC)
     *     a millisecond of waiting saves most of it
     */
    public Spool(Path dir, long maxBytes, boolean fsync, Duration dedupWindow, Duration commitLinger, Clock clock) {
        this.commitLingerNanos = commitLinger.toNanos();
        this.maxBytes = maxBytes;
        this.fsync = fsync;
        this.dedupWindow = dedupWindow;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
            this.file = dir.resolve("spool.db");
            this.writer = open();
            this.syncing = fsync;
            try (Statement s = writer.createStatement()) {
                s.execute(
                        "CREATE TABLE IF NOT EXISTS accepted(uuid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID");
                s.execute("CREATE INDEX IF NOT EXISTS accepted_at ON accepted(at)");
                s.execute(
                        "CREATE TABLE IF NOT EXISTS queue(id INTEGER PRIMARY KEY AUTOINCREMENT,"
                                + " output TEXT NOT NULL, uuid TEXT NOT NULL, accepted_at INTEGER NOT NULL, payload BLOB NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS queue_output ON queue(output, id)");
                s.execute("CREATE TABLE IF NOT EXISTS dead(id INTEGER PRIMARY KEY, output TEXT NOT NULL,"
                        + " uuid TEXT NOT NULL, accepted_at INTEGER NOT NULL, payload BLOB NOT NULL,"
                        + " reason TEXT NOT NULL, dead_at INTEGER NOT NULL)");
            }
            writer.setAutoCommit(false);
            loadStats();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot open the spool under " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        writerThread = Thread.ofPlatform().name("spool-writer").daemon().start(this::writeLoop);
    }

    /** Where the database lives, for logs and docs. */
    public Path file() {
        return file;
    }

    /**
     * Queues an alert for each of {@code outputs}; the future completes with true once it is on
     * disk, or with false when the uuid was accepted before (nothing new written).
     *
     * @throws SpoolFullException at once when the disk budget is used up
     */
    public CompletableFuture<Boolean> append(String uuid, byte[] payload, List<String> outputs) {
        return append(uuid, payload, outputs, true);
    }

    /**
     * Like {@link #append(String, byte[], List)}; with {@code remember} false the uuid is neither
     * checked against nor added to the accepted uuids. For uuids the sidekick has just assigned
     * itself, which no sender can repeat: the dedup row is a random-key B-tree insert, the most
     * expensive part of an append.
     */
    public CompletableFuture<Boolean> append(String uuid, byte[] payload, List<String> outputs, boolean remember) {
        long used = totalBytes.get();
        if (used + (long) payload.length * outputs.size() > maxBytes) {
            throw new SpoolFullException(used, maxBytes);
        }
        Append a = new Append(uuid, payload, List.copyOf(outputs), remember, clock.millis(), new CompletableFuture<>());
        submit(a);
        return a.done;
    }

    /**
     * Removes a delivered entry; the future completes once the removal is on disk. Until then a
     * crash means the entry is delivered again (at least once, never lost).
     */
    public CompletableFuture<Boolean> remove(SpoolEntry entry) {
        Remove r = new Remove(entry, null);
        submit(r);
        return r.done;
    }

    /** Moves an entry that can never be delivered to the dead-letter table, keeping it for inspection. */
    public CompletableFuture<Boolean> bury(SpoolEntry entry, String reason) {
        Remove r = new Remove(entry, reason == null ? "unknown" : reason);
        submit(r);
        return r.done;
    }

    /**
     * Moves every dead-lettered alert of {@code output} back to the end of its queue, to be
     * delivered again (after the destination or the output's settings were fixed). The future
     * completes with the number moved once that is on disk.
     */
    public CompletableFuture<Long> requeueDead(String output) {
        Requeue q = new Requeue(output, new long[2], new CompletableFuture<>());
        submit(q);
        return q.done;
    }

    /** Dead-lettered alerts by output (outputs with none left out); kept in memory, cheap. */
    public Map<String, Long> deadByOutput() {
        Map<String, Long> out = new TreeMap<>();
        stats.forEach((output, q) -> {
            if (q.dead.get() > 0) {
                out.put(output, q.dead.get());
            }
        });
        return out;
    }

    /** A reader for one output's queue; not thread-safe, one per delivery worker. */
    public Reader reader(String output) {
        try {
            return new Reader(output, open());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open a spool reader: " + e.getMessage(), e);
        }
    }

    /** Alerts waiting for {@code output}. */
    public long depth(String output) {
        return statsOf(output).count.get();
    }

    /** Payload bytes waiting for {@code output}. */
    public long bytes(String output) {
        return statsOf(output).bytes.get();
    }

    public long totalBytes() {
        return totalBytes.get();
    }

    public long maxBytes() {
        return maxBytes;
    }

    public boolean full() {
        return totalBytes.get() >= maxBytes;
    }

    /** Outputs that have alerts waiting, including ones that are no longer configured. */
    public Set<String> outputsWithBacklog() {
        Set<String> names = new HashSet<>();
        stats.forEach((k, v) -> {
            if (v.count.get() > 0) {
                names.add(k);
            }
        });
        return names;
    }

    public long deadCount() {
        try (Connection c = open();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM dead")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        writerThread.interrupt();
        try {
            writerThread.join(10_000);
            writer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            log.warn("closing the spool: {}", e.getMessage());
        }
    }

    private void submit(Write w) {
        if (closed) {
            w.fail(new IllegalStateException("spool is closed"));
            return;
        }
        writes.add(w);
        // Lost the race with the writer's exit: nobody would ever complete it.
        if (closed && !writerThread.isAlive() && writes.remove(w)) {
            w.fail(new IllegalStateException("spool is closed"));
        }
    }

    private Connection open() throws SQLException {
        Properties props = new Properties();
        // Otherwise the driver runs a query for the new rowid after every insert, unused here.
        props.setProperty("jdbc.get_generated_keys", "false");
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, props);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            // FULL fsyncs the WAL on every commit (survives power loss); NORMAL survives a
            // killed process but not a lost machine.
            s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
            s.execute("PRAGMA busy_timeout=10000");
        }
        return c;
    }

    private void loadStats() throws SQLException {
        try (Statement s = writer.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT output, count(*), coalesce(sum(length(payload)),0) FROM queue GROUP BY output")) {
            while (rs.next()) {
                QueueStats q = statsOf(rs.getString(1));
                q.count.set(rs.getLong(2));
                q.bytes.set(rs.getLong(3));
                totalBytes.addAndGet(rs.getLong(3));
            }
        }
        try (Statement s = writer.createStatement();
                ResultSet rs = s.executeQuery("SELECT output, count(*) FROM dead GROUP BY output")) {
            while (rs.next()) {
                statsOf(rs.getString(1)).dead.set(rs.getLong(2));
            }
        }
        writer.commit();
    }

    private QueueStats statsOf(String output) {
        return stats.computeIfAbsent(output, k -> new QueueStats());
    }

    private BlockingQueue<Boolean> doorbell(String output) {
        return doorbells.computeIfAbsent(output, k -> new ArrayBlockingQueue<>(1));
    }

    private void writeLoop() {
        List<Write> batch = new ArrayList<>(MAX_BATCH);
        try (PreparedStatement accept =
                        writer.prepareStatement("INSERT OR IGNORE INTO accepted(uuid, at) VALUES(?, ?)");
                PreparedStatement enqueue = writer.prepareStatement(
                        "INSERT INTO queue(output, uuid, accepted_at, payload) VALUES(?, ?, ?, ?)");
                PreparedStatement delete = writer.prepareStatement("DELETE FROM queue WHERE id = ?");
                PreparedStatement bury = writer.prepareStatement(
                        "INSERT OR REPLACE INTO dead(id, output, uuid, accepted_at, payload, reason, dead_at)"
                                + " VALUES(?, ?, ?, ?, ?, ?, ?)")) {
            while (!closed || !writes.isEmpty()) {
                Write first;
                try {
                    first = writes.poll(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    if (closed) {
                        first = writes.poll();
                        if (first == null) {
                            break;
                        }
                    } else {
                        continue;
                    }
                }
                if (first == null) {
                    pruneAccepted();
                    continue;
                }
                batch.add(first);
                writes.drainTo(batch, MAX_BATCH - 1);
                if (batch.size() < LINGER_BELOW && commitLingerNanos > 0 && !closed) {
                    LockSupport.parkNanos(commitLingerNanos);
                    writes.drainTo(batch, MAX_BATCH - batch.size());
                }
                commit(batch, accept, enqueue, delete, bury);
                batch.clear();
                if (clock.millis() - lastPrune > 60_000) {
                    pruneAccepted();
                }
            }
        } catch (SQLException e) {
            log.error("spool writer stopped: {}", e.getMessage(), e);
        } finally {
            // Nobody may wait for a commit that will never come: refuse what is queued and
            // everything after it.
            closed = true;
            Write w;
            while ((w = writes.poll()) != null) {
                w.fail(new IllegalStateException("the spool writer has stopped"));
            }
        }
    }

    private void commit(
            List<Write> batch,
            PreparedStatement accept,
            PreparedStatement enqueue,
            PreparedStatement delete,
            PreparedStatement bury) {
        List<Boolean> results = new ArrayList<>(batch.size());
        try {
            syncFor(batch);
            for (Write w : batch) {
                switch (w) {
                    case Append a -> {
                        boolean fresh = true;
                        if (a.remember) {
                            accept.setString(1, a.uuid);
                            accept.setLong(2, a.acceptedAt);
                            fresh = accept.executeUpdate() == 1;
                        }
                        if (fresh) {
                            for (String output : a.outputs) {
                                enqueue.setString(1, output);
                                enqueue.setString(2, a.uuid);
                                enqueue.setLong(3, a.acceptedAt);
                                enqueue.setBytes(4, a.payload);
                                enqueue.executeUpdate();
                            }
                        }
                        results.add(fresh);
                    }
                    case Remove r -> {
                        if (r.reason != null) {
                            SpoolEntry e = r.entry;
                            bury.setLong(1, e.id());
                            bury.setString(2, e.output());
                            bury.setString(3, e.uuid());
                            bury.setLong(4, e.acceptedAtMillis());
                            bury.setBytes(5, e.payload());
                            bury.setString(6, r.reason);
                            bury.setLong(7, clock.millis());
                            bury.executeUpdate();
                        }
                        delete.setLong(1, r.entry.id());
                        results.add(delete.executeUpdate() == 1);
                    }
                    case Requeue q -> {
                        requeue(q);
                        results.add(q.moved[0] > 0);
                    }
                }
            }
            writer.commit();
            (syncing ? syncedCommits : unsyncedCommits).incrementAndGet();
        } catch (SQLException e) {
            try {
                writer.rollback();
            } catch (SQLException ignored) {
                // the original failure is what matters
            }
            log.error("spool commit of {} writes failed: {}", batch.size(), e.getMessage());
            batch.forEach(w -> w.fail(e));
            return;
        }
        Set<String> rung = new HashSet<>();
        for (int i = 0; i < batch.size(); i++) {
            Write w = batch.get(i);
            boolean changed = results.get(i);
            switch (w) {
                case Append a -> {
                    if (changed) {
                        for (String output : a.outputs) {
                            QueueStats q = statsOf(output);
                            q.count.incrementAndGet();
                            q.bytes.addAndGet(a.payload.length);
                            totalBytes.addAndGet(a.payload.length);
                            rung.add(output);
                        }
                    }
                    a.done.complete(changed);
                }
                case Remove r -> {
                    if (changed) {
                        QueueStats q = statsOf(r.entry.output());
                        if (r.reason != null) {
                            q.dead.incrementAndGet();
                        }
                        q.count.decrementAndGet();
                        q.bytes.addAndGet(-r.entry.payload().length);
                        totalBytes.addAndGet(-r.entry.payload().length);
                    }
                    r.done.complete(changed);
                }
                case Requeue q -> {
                    QueueStats stats = statsOf(q.output);
                    stats.count.addAndGet(q.moved[0]);
                    stats.dead.addAndGet(-q.moved[0]);
                    stats.bytes.addAndGet(q.moved[1]);
                    totalBytes.addAndGet(q.moved[1]);
                    if (changed) {
                        rung.add(q.output);
                    }
                    q.done.complete(q.moved[0]);
                }
            }
        }
        rung.forEach(o -> doorbell(o).offer(Boolean.TRUE));
    }

    /**
     * Only a batch with appends is fsync'd. A batch of removals alone is written to the WAL
     * without one: it survives a killed sidekick like any write (the OS has it), and the next
     * append's fsync, or a checkpoint, makes it survive a lost machine too. What a lost machine
     * can undo is a removal, so an alert is delivered again, never lost; and a trickle of
     * deliveries no longer costs an fsync each (~0.2 ms of kernel CPU here).
     */
    private void syncFor(List<Write> batch) throws SQLException {
        if (!fsync) {
            return;
        }
        boolean appends = false;
        for (Write w : batch) {
            if (w instanceof Append) {
                appends = true;
                break;
            }
        }
        if (appends != syncing) {
            // SQLite refuses to change it inside a transaction, and the driver keeps one open
            // between commits (empty here: the batch has not started).
            writer.setAutoCommit(true);
            try (Statement s = writer.createStatement()) {
                s.execute("PRAGMA synchronous=" + (appends ? "FULL" : "NORMAL"));
            } finally {
                writer.setAutoCommit(false);
            }
            syncing = appends;
        }
    }

    /** Rare (an operator's request): statements prepared on the spot. Ids stay ordered: appended at the queue's end. */
    private void requeue(Requeue q) throws SQLException {
        try (PreparedStatement size = writer.prepareStatement(
                        "SELECT count(*), coalesce(sum(length(payload)), 0) FROM dead WHERE output = ?");
                PreparedStatement move = writer.prepareStatement("INSERT INTO queue(output, uuid, accepted_at, payload)"
                        + " SELECT output, uuid, accepted_at, payload FROM dead WHERE output = ? ORDER BY id");
                PreparedStatement forget = writer.prepareStatement("DELETE FROM dead WHERE output = ?")) {
            size.setString(1, q.output);
            try (ResultSet rs = size.executeQuery()) {
                rs.next();
                q.moved[0] = rs.getLong(1);
                q.moved[1] = rs.getLong(2);
            }
            move.setString(1, q.output);
            move.executeUpdate();
            forget.setString(1, q.output);
            forget.executeUpdate();
        }
    }

    /** Commits so far that were fsync'd (with appends), and that were not (removals only). */
    public long[] commits() {
        return new long[] {syncedCommits.get(), unsyncedCommits.get()};
    }

    private void pruneAccepted() {
        lastPrune = clock.millis();
        try (PreparedStatement p = writer.prepareStatement("DELETE FROM accepted WHERE at < ?")) {
            p.setLong(1, clock.millis() - dedupWindow.toMillis());
            int n = p.executeUpdate();
            writer.commit();
            if (n > 0) {
                log.debug("forgot {} accepted uuids older than {}", n, dedupWindow);
            }
        } catch (SQLException e) {
            log.warn("pruning accepted uuids failed: {}", e.getMessage());
        }
    }

    /** Reads one output's queue in order, starting after the last entry it returned. */
    public final class Reader implements AutoCloseable {
        private final String output;
        private final Connection connection;
        private final PreparedStatement next;
        private long after;

        private Reader(String output, Connection connection) throws SQLException {
            this.output = output;
            this.connection = connection;
            this.next = connection.prepareStatement(
                    "SELECT id, uuid, accepted_at, payload FROM queue WHERE output = ? AND id > ? ORDER BY id LIMIT ?");
        }

        /**
         * Up to {@code max} entries not yet returned by this reader, waiting up to {@code wait} for
         * the first one to arrive.
         */
        public List<SpoolEntry> next(int max, Duration wait) throws InterruptedException {
            List<SpoolEntry> entries = read(max);
            if (entries.isEmpty()) {
                doorbell(output).poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                entries = read(max);
            }
            return entries;
        }

        /** Reads again from the start of the queue: entries returned before but still there come back. */
        public void rewind() {
            after = 0;
        }

        private List<SpoolEntry> read(int max) {
            List<SpoolEntry> entries = new ArrayList<>();
            try {
                next.setString(1, output);
                next.setLong(2, after);
                next.setInt(3, max);
                try (ResultSet rs = next.executeQuery()) {
                    while (rs.next()) {
                        entries.add(
                                new SpoolEntry(rs.getLong(1), output, rs.getString(2), rs.getLong(3), rs.getBytes(4)));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("reading the spool for output " + output + ": " + e.getMessage(), e);
            }
            if (!entries.isEmpty()) {
                after = entries.getLast().id();
            }
            return entries;
        }

        @Override
        public void close() {
            try {
                next.close();
                connection.close();
            } catch (SQLException e) {
                log.warn("closing a spool reader: {}", e.getMessage());
            }
        }
    }

    private static final class QueueStats {
        final AtomicLong count = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        /** Rows in the dead-letter table. */
        final AtomicLong dead = new AtomicLong();
    }

    private sealed interface Write permits Append, Remove, Requeue {
        void fail(Exception e);
    }

    private record Append(
            String uuid,
            byte[] payload,
            List<String> outputs,
            boolean remember,
            long acceptedAt,
            CompletableFuture<Boolean> done)
            implements Write {
        public void fail(Exception e) {
            done.completeExceptionally(e);
        }
    }

    private record Remove(SpoolEntry entry, String reason, CompletableFuture<Boolean> done) implements Write {
        Remove(SpoolEntry entry, String reason) {
            this(entry, reason, new CompletableFuture<>());
        }

        public void fail(Exception e) {
            done.completeExceptionally(e);
        }
    }

    /** {@code moved}: count and payload bytes, set by the writer before it completes {@code done}. */
    private record Requeue(String output, long[] moved, CompletableFuture<Long> done) implements Write {
        public void fail(Exception e) {
            done.completeExceptionally(e);
        }
    }
}
