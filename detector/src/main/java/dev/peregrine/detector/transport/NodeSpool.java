package dev.peregrine.detector.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.peregrine.contract.v1.Alert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The detector's node-local spool: alerts wait here, on disk, until the sidekick acknowledged
 * them. SQLite in WAL mode (the same proven store the sidekick uses); alerts are kept in order
 * and read back by sequence. Bounded by a disk budget: when full, the oldest alerts are dropped
 * and counted, so a node that is cut off for days keeps its most recent alerts and never fills
 * its disk.
 *
 * <p>Appends never block the detection loop on disk: they queue up and one writer thread commits
 * whatever has queued in a single transaction (group commit). Reads use a connection of their
 * own, so the link sending to the sidekick never waits for a commit's fsync (WAL lets a reader run
 * beside the writer). Thread-safe.
 */
public final class NodeSpool implements AutoCloseable {
    /** One spooled alert: its position in the spool and the alert. */
    public record Entry(long seq, Alert alert, long spooledAtMillis) {}

    private static final int MAX_BATCH = 4096;
    /**
     * A batch smaller than this waits {@link #LINGER_NANOS} for company before its commit. Each
     * commit costs an fsync, whose CPU is taken from the detection loop; nothing waits on these
     * commits but the link's next read, so two milliseconds cost nothing that matters.
     */
    private static final int LINGER_BELOW = 256;

    private static final long LINGER_NANOS = 2_000_000;

    private final Connection writerDb; // the writer thread's, after construction
    private final Connection readerDb; // guarded by readLock
    private final Object readLock = new Object();
    private PreparedStatement readNext; // guarded by readLock
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Alerts to append and, as Long, sequences to delete: one writer commits both in batches. */
    private final LinkedBlockingQueue<Object> pending = new LinkedBlockingQueue<>();
    /** Guards {@link #writing} and {@link #lastSeq}; notified after every commit. */
    private final Object commits = new Object();

    private boolean writing;
    private long lastSeq;
    private final Thread writer;
    private volatile boolean closed;
    private final boolean fsync;
    /** The writer connection runs at synchronous=FULL; writer thread only. */
    private boolean syncing;

    private final AtomicLong syncedCommits = new AtomicLong();
    private final AtomicLong unsyncedCommits = new AtomicLong();

    public NodeSpool(Path dir, long maxBytes, boolean fsync) {
        this.maxBytes = maxBytes;
        this.fsync = fsync;
        this.syncing = fsync;
        try {
            Files.createDirectories(dir);
            writerDb = open(dir, fsync);
            try (Statement s = writerDb.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS alerts(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " spooled_at INTEGER NOT NULL, alert BLOB NOT NULL)");
            }
            recount();
            writerDb.setAutoCommit(false);
            readerDb = open(dir, fsync);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot open the node spool under " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        writer = Thread.ofPlatform().name("node-spool-writer").daemon().start(this::writeLoop);
    }

    private static Connection open(Path dir, boolean fsync) throws SQLException {
        Properties props = new Properties();
        // Otherwise the driver queries the new rowid after every insert; the writer asks once per batch.
        props.setProperty("jdbc.get_generated_keys", "false");
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("alerts.db"), props);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
            s.execute("PRAGMA busy_timeout=10000");
        }
        return c;
    }

    /** Queues the alert for the disk; {@link #awaitWritten} tells when it is there. */
    public void append(Alert alert) {
        pending.add(alert);
    }

    /** Waits until everything appended so far is committed (tests, shutdown). */
    public boolean awaitWritten(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (commits) {
            while (!pending.isEmpty() || writing) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                commits.wait(left);
            }
        }
        return true;
    }

    private void writeLoop() {
        List<Object> batch = new ArrayList<>();
        try (PreparedStatement insert =
                        writerDb.prepareStatement("INSERT INTO alerts(spooled_at, alert) VALUES(?, ?)");
                PreparedStatement delete = writerDb.prepareStatement(
                        "DELETE FROM alerts WHERE seq BETWEEN ? AND ? RETURNING length(alert)");
                PreparedStatement last = writerDb.prepareStatement("SELECT last_insert_rowid()")) {
            while (!closed || !pending.isEmpty()) {
                try {
                    Object first = pending.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    synchronized (commits) {
                        writing = true;
                    }
                    batch.add(first);
                    pending.drainTo(batch, MAX_BATCH - 1);
                    if (batch.size() < LINGER_BELOW && !closed) {
                        LockSupport.parkNanos(LINGER_NANOS);
                        pending.drainTo(batch, MAX_BATCH - batch.size());
                    }
                    long seq = commit(batch, insert, delete, last);
                    synchronized (commits) {
                        lastSeq = Math.max(lastSeq, seq);
                    }
                } catch (InterruptedException e) {
                    if (closed) {
                        break;
                    }
                } catch (RuntimeException e) {
                    // keep the batch: it is retried on the next round rather than lost
                    System.err.println("node spool: " + e.getMessage());
                    pending.addAll(batch);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        break;
                    }
                } finally {
                    batch.clear();
                    synchronized (commits) {
                        writing = false;
                        commits.notifyAll();
                    }
                }
            }
        } catch (SQLException e) {
            System.err.println("node spool: writer stopped: " + e.getMessage());
        }
    }

    /** Writes one batch in one transaction; returns the last sequence inserted, 0 if none. */
    private long commit(
            List<Object> batch, PreparedStatement insert, PreparedStatement delete, PreparedStatement last) {
        try {
            syncFor(batch);
            long now = System.currentTimeMillis();
            List<Long> removals = new ArrayList<>();
            boolean inserted = false;
            for (Object item : batch) {
                if (item instanceof Long seq) {
                    removals.add(seq);
                    continue;
                }
                byte[] b = ((Alert) item).toByteArray();
                while (bytes.get() + b.length > maxBytes && count.get() > 0) {
                    dropOldest();
                }
                insert.setLong(1, now);
                insert.setBytes(2, b);
                insert.executeUpdate();
                inserted = true;
                // counted before commit so the budget check above sees this batch too;
                // a failed commit is rare and re-reads the totals below
                bytes.addAndGet(b.length);
                count.incrementAndGet();
            }
            delete(removals, delete);
            long seq = 0;
            if (inserted) {
                try (ResultSet rs = last.executeQuery()) {
                    seq = rs.next() ? rs.getLong(1) : 0;
                }
            }
            writerDb.commit();
            (syncing ? syncedCommits : unsyncedCommits).incrementAndGet();
            return seq;
        } catch (SQLException e) {
            try {
                writerDb.rollback();
                recount();
            } catch (SQLException ignored) {
                // the original failure is reported
            }
            throw new IllegalStateException("node spool write failed: " + e.getMessage(), e);
        }
    }

    /**
     * Only a batch with alerts to append is fsync'd. Deletes alone are written to the WAL without
     * one: they survive a killed detector, and the next append's fsync makes them power-safe. A
     * lost machine can at worst undo a delete, so the alert is sent again and the sidekick drops
     * it by uuid; acks streaming back no longer cost an fsync per commit.
     */
    private void syncFor(List<Object> batch) throws SQLException {
        if (!fsync) {
            return;
        }
        boolean appends = false;
        for (Object item : batch) {
            if (item instanceof Alert) {
                appends = true;
                break;
            }
        }
        if (appends != syncing) {
            // SQLite refuses to change it inside a transaction, and the driver keeps an (empty)
            // one open between commits.
            writerDb.setAutoCommit(true);
            try (Statement s = writerDb.createStatement()) {
                s.execute("PRAGMA synchronous=" + (appends ? "FULL" : "NORMAL"));
            } finally {
                writerDb.setAutoCommit(false);
            }
            syncing = appends;
        }
    }

    /** Commits so far that were fsync'd (with appends), and that were not (deletes only). */
    long[] commits() {
        return new long[] {syncedCommits.get(), unsyncedCommits.get()};
    }

    /**
     * Acks arrive nearly in order, so removals are deleted as runs of consecutive sequences, one
     * statement per run rather than per alert.
     */
    private void delete(List<Long> removals, PreparedStatement delete) throws SQLException {
        if (removals.isEmpty()) {
            return;
        }
        removals.sort(null);
        int i = 0;
        while (i < removals.size()) {
            long from = removals.get(i);
            long to = from;
            int j = i + 1;
            while (j < removals.size() && removals.get(j) <= to + 1) {
                to = removals.get(j++);
            }
            delete.setLong(1, from);
            delete.setLong(2, to);
            try (ResultSet rs = delete.executeQuery()) {
                while (rs.next()) {
                    bytes.addAndGet(-rs.getLong(1));
                    count.decrementAndGet();
                }
            }
            i = j;
        }
    }

    /** Up to {@code max} alerts after {@code afterSeq}, in order; waits up to {@code waitMillis} for one. */
    public List<Entry> next(long afterSeq, int max, long waitMillis) throws InterruptedException {
        if (waitMillis > 0) {
            synchronized (commits) {
                if (lastSeq <= afterSeq) {
                    commits.wait(waitMillis);
                }
            }
        }
        return read(afterSeq, max);
    }

    /**
     * The sidekick has the alert (or refused it for good): forget it. Queued for the writer, which
     * deletes in the same group commits as it appends: a delete committed on its own paid one
     * fsync per acknowledged alert, which capped the link at a few hundred alerts/s. Until the
     * delete is committed a reconnect resends the alert, which the sidekick deduplicates by uuid.
     */
    public void remove(long seq) {
        pending.add(seq);
    }

    public long count() {
        return count.get();
    }

    public long bytes() {
        return bytes.get();
    }

    /** Alerts dropped because the disk budget was full, since start. */
    public long dropped() {
        return dropped.get();
    }

    /** Age of the oldest waiting alert in ms, 0 when empty. */
    public long oldestAgeMillis() {
        synchronized (readLock) {
            try (Statement s = readerDb.createStatement();
                    ResultSet rs = s.executeQuery("SELECT spooled_at FROM alerts ORDER BY seq LIMIT 1")) {
                long oldest = rs.next() ? rs.getLong(1) : 0;
                return oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
            } catch (SQLException e) {
                return 0;
            }
        }
    }

    /** Totals and the last sequence from the table itself: at start, and after a failed commit. */
    private void recount() throws SQLException {
        try (Statement s = writerDb.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*), coalesce(sum(length(alert)),0), coalesce(max(seq),0) FROM alerts")) {
            rs.next();
            count.set(rs.getLong(1));
            bytes.set(rs.getLong(2));
            synchronized (commits) {
                lastSeq = Math.max(lastSeq, rs.getLong(3));
            }
        }
    }

    private List<Entry> read(long afterSeq, int max) {
        List<Entry> out = new ArrayList<>();
        synchronized (readLock) {
            try {
                if (readNext == null) {
                    readNext = readerDb.prepareStatement(
                            "SELECT seq, spooled_at, alert FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?");
                }
                readNext.setLong(1, afterSeq);
                readNext.setInt(2, max);
                try (ResultSet rs = readNext.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Entry(rs.getLong(1), Alert.parseFrom(rs.getBytes(3)), rs.getLong(2)));
                    }
                }
            } catch (SQLException | InvalidProtocolBufferException e) {
                throw new IllegalStateException("node spool read failed: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private void dropOldest() throws SQLException {
        try (Statement s = writerDb.createStatement();
                ResultSet rs = s.executeQuery(
                        "DELETE FROM alerts WHERE seq = (SELECT min(seq) FROM alerts) RETURNING length(alert)")) {
            if (rs.next()) {
                bytes.addAndGet(-rs.getLong(1));
                count.decrementAndGet();
                dropped.incrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true; // the writer flushes what is queued, then stops
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (readLock) {
            try {
                if (readNext != null) {
                    readNext.close();
                }
                readerDb.close();
                writerDb.close();
            } catch (SQLException e) {
                // closing is best effort
            }
        }
    }
}
