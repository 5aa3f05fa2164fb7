package dev.peregrine.detector.transport;

import dev.peregrine.contract.v1.Alert;
import com.google.protobuf.InvalidProtocolBufferException;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * The detector's node-local spool: alerts wait here, on disk, until the sidekick acknowledged
 * them. SQLite in WAL mode (the same proven store the sidekick uses); alerts are kept in order
 * and read back by sequence. Bounded by a disk budget: when full, the oldest alerts are dropped
 * and counted, so a node that is cut off for days keeps its most recent alerts and never fills
 * its disk.
 *
 * <p>Appends never block the detection loop on disk: they queue up and one writer thread commits
 * whatever has queued in a single transaction (group commit). Thread-safe.
 */
public final class NodeSpool implements AutoCloseable {
    /** One spooled alert: its position in the spool and the alert. */
    public record Entry(long seq, Alert alert, long spooledAtMillis) {}

    private final Connection db;
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Object lock = new Object();
    /** Alerts to append and, as Long, sequences to delete: one writer commits both in batches. */
    private final java.util.concurrent.LinkedBlockingQueue<Object> pending = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    public NodeSpool(Path dir, long maxBytes, boolean fsync) {
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
            db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("alerts.db"));
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
                s.execute("CREATE TABLE IF NOT EXISTS alerts(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " spooled_at INTEGER NOT NULL, alert BLOB NOT NULL)");
            }
            recount();
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the node spool under " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        writer = Thread.ofPlatform().name("node-spool-writer").daemon().start(this::writeLoop);
    }

    /** Queues the alert for the disk; {@link #awaitWritten} tells when it is there. */
    public void append(Alert alert) {
        pending.add(alert);
    }

    /** Waits until everything appended so far is committed (tests, shutdown). */
    public boolean awaitWritten(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (lock) {
            while (!pending.isEmpty() || writing) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                lock.wait(left);
            }
        }
        return true;
    }

    private boolean writing; // guarded by lock

    private void writeLoop() {
        List<Object> batch = new ArrayList<>();
        while (!closed || !pending.isEmpty()) {
            try {
                Object first = pending.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                synchronized (lock) {
                    writing = true;
                }
                batch.add(first);
                pending.drainTo(batch, 4096);
                commit(batch);
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
                synchronized (lock) {
                    writing = false;
                    lock.notifyAll();
                }
            }
        }
    }

    private void commit(List<Object> batch) {
        synchronized (lock) {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO alerts(spooled_at, alert) VALUES(?, ?)");
                    PreparedStatement delete = db.prepareStatement("DELETE FROM alerts WHERE seq = ? RETURNING length(alert)")) {
                db.setAutoCommit(false);
                long now = System.currentTimeMillis();
                for (Object item : batch) {
                    if (item instanceof Long seq) {
                        delete.setLong(1, seq);
                        try (ResultSet rs = delete.executeQuery()) {
                            if (rs.next()) {
                                bytes.addAndGet(-rs.getLong(1));
                                count.decrementAndGet();
                            }
                        }
                        continue;
                    }
                    byte[] b = ((Alert) item).toByteArray();
                    while (bytes.get() + b.length > maxBytes && count.get() > 0) {
                        dropOldest();
                    }
                    p.setLong(1, now);
                    p.setBytes(2, b);
                    p.executeUpdate();
                    // counted before commit so the budget check above sees this batch too;
                    // a failed commit is rare and re-reads the totals below
                    bytes.addAndGet(b.length);
                    count.incrementAndGet();
                }
                db.commit();
                db.setAutoCommit(true);
            } catch (SQLException e) {
                try {
                    db.rollback();
                    db.setAutoCommit(true);
                    recount();
                } catch (SQLException ignored) {
                    // the original failure is reported
                }
                throw new IllegalStateException("node spool write failed: " + e.getMessage(), e);
            }
        }
    }

    /** Up to {@code max} alerts after {@code afterSeq}, in order; waits up to {@code waitMillis} for one. */
    public List<Entry> next(long afterSeq, int max, long waitMillis) throws InterruptedException {
        synchronized (lock) {
            List<Entry> entries = read(afterSeq, max);
            if (entries.isEmpty() && waitMillis > 0) {
                lock.wait(waitMillis);
                entries = read(afterSeq, max);
            }
            return entries;
        }
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
        synchronized (lock) {
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT min(spooled_at) FROM alerts")) {
                long oldest = rs.next() ? rs.getLong(1) : 0;
                return oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
            } catch (SQLException e) {
                return 0;
            }
        }
    }

    private void recount() throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(length(alert)),0) FROM alerts")) {
            rs.next();
            count.set(rs.getLong(1));
            bytes.set(rs.getLong(2));
        }
    }

    private List<Entry> read(long afterSeq, int max) {
        List<Entry> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement("SELECT seq, spooled_at, alert FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?")) {
            p.setLong(1, afterSeq);
            p.setInt(2, max);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(rs.getLong(1), Alert.parseFrom(rs.getBytes(3)), rs.getLong(2)));
                }
            }
        } catch (SQLException | InvalidProtocolBufferException e) {
            throw new IllegalStateException("node spool read failed: " + e.getMessage(), e);
        }
        return out;
    }

    private void dropOldest() throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("DELETE FROM alerts WHERE seq = (SELECT min(seq) FROM alerts) RETURNING length(alert)")) {
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
        synchronized (lock) {
            try {
                db.close();
            } catch (SQLException e) {
                // closing is best effort
            }
        }
    }
}
