package dev.peregrine.detector.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.wal.Budget;
import dev.peregrine.wal.GroupCommitWriter;
import dev.peregrine.wal.WalDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
 * whatever has queued in a single transaction (group commit, {@link GroupCommitWriter}). Reads use
 * a connection of their own, so the link sending to the sidekick never waits for a commit's fsync
 * (WAL lets a reader run beside the writer). Thread-safe.
 */
public final class NodeSpool implements AutoCloseable {
    /**
     * One spooled alert: its position in the spool and the alert as stored (a serialized {@link
     * Alert}); the link sends these bytes as they are, without parsing them.
     */
    public record Entry(long seq, byte[] bytes, long spooledAtMillis) {
        /** The alert, parsed. */
        public Alert alert() {
            try {
                return Alert.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("node spool entry " + seq + " is not an alert: " + e.getMessage(), e);
            }
        }
    }

    private static final int MAX_BATCH = 4096;
    /**
     * A batch smaller than this waits {@link #LINGER} for company before its commit. Each commit
     * costs an fsync, whose CPU is taken from the detection loop; nothing waits on these commits
     * but the link's next read, so two milliseconds cost nothing that matters.
     */
    private static final int LINGER_BELOW = 256;

    private static final Duration LINGER = Duration.ofMillis(2);
    /** A failed commit is retried rather than lost: nobody waits on an append to tell them. */
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final Connection writerDb; // the writer thread's, after construction
    private final Connection readerDb; // guarded by readLock
    private final Object readLock = new Object();
    private PreparedStatement readNext; // guarded by readLock
    private final Budget budget;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Guards {@link #lastSeq}; notified after every commit. */
    private final Object commits = new Object();

    private long lastSeq;
    /** Alerts to append and, as Long, sequences to delete: one writer commits both in batches. */
    private final GroupCommitWriter<Object> writer;

    public NodeSpool(Path dir, long maxBytes, boolean fsync) {
        this.budget = new Budget(maxBytes);
        try {
            WalDatabase db = WalDatabase.open(dir, "alerts.db", fsync);
            writerDb = db.connect();
            try (Statement s = writerDb.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS alerts(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " spooled_at INTEGER NOT NULL, alert BLOB NOT NULL)");
            }
            recount();
            readerDb = db.connect();
            writer = GroupCommitWriter.on(writerDb, new Writes())
                    .name("node spool")
                    .fsync(fsync)
                    .batches(MAX_BATCH, LINGER_BELOW, LINGER)
                    .retryFailedBatchesAfter(RETRY_PAUSE)
                    .start();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot open the node spool under " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Queues the alert for the disk; {@link #awaitWritten} tells when it is there. */
    public void append(Alert alert) {
        writer.submit(alert);
    }

    /** Waits until everything appended so far is committed (tests, shutdown). */
    public boolean awaitWritten(long timeoutMillis) throws InterruptedException {
        return writer.awaitSettled(timeoutMillis);
    }

    /** The SQL of the writer's batches; runs on the writer thread. */
    private final class Writes implements GroupCommitWriter.Store<Object> {
        private final PreparedStatement insert;
        private final PreparedStatement delete;
        private final PreparedStatement last;
        /** The last sequence the batch being written inserted, 0 if none. */
        private long batchSeq;

        Writes() throws SQLException {
            insert = writerDb.prepareStatement("INSERT INTO alerts(spooled_at, alert) VALUES(?, ?)");
            delete = writerDb.prepareStatement("DELETE FROM alerts WHERE seq BETWEEN ? AND ? RETURNING length(alert)");
            last = writerDb.prepareStatement("SELECT last_insert_rowid()");
        }

        /**
         * Only a batch with alerts to append is fsync'd. Deletes alone are written to the WAL
         * without one: they survive a killed detector, and the next append's fsync makes them
         * power-safe. A lost machine can at worst undo a delete, so the alert is sent again and
         * the sidekick drops it by uuid; acks streaming back no longer cost an fsync per commit.
         */
        @Override
        public boolean durable(Object item) {
            return item instanceof Alert;
        }

        @Override
        public void write(List<Object> batch) throws SQLException {
            batchSeq = 0;
            long now = System.currentTimeMillis();
            List<Long> removals = new ArrayList<>();
            boolean inserted = false;
            for (Object item : batch) {
                if (item instanceof Long seq) {
                    removals.add(seq);
                    continue;
                }
                byte[] b = ((Alert) item).toByteArray();
                while (!budget.fits(b.length) && count.get() > 0) {
                    dropOldest();
                }
                insert.setLong(1, now);
                insert.setBytes(2, b);
                insert.executeUpdate();
                inserted = true;
                // counted before commit so the budget check above sees this batch too;
                // a failed commit is rare and re-reads the totals (rolledBack)
                budget.add(b.length);
                count.incrementAndGet();
            }
            delete(removals);
            if (inserted) {
                try (ResultSet rs = last.executeQuery()) {
                    batchSeq = rs.next() ? rs.getLong(1) : 0;
                }
            }
        }

        @Override
        public void committed(List<Object> batch) {
            synchronized (commits) {
                lastSeq = Math.max(lastSeq, batchSeq);
                commits.notifyAll();
            }
        }

        @Override
        public void rolledBack(List<Object> batch, Exception failure) {
            try {
                recount();
            } catch (SQLException ignored) {
                // the original failure is reported
            }
        }

        /** Only when the spool is closed: the alert is not written, as nothing is after close. */
        @Override
        public void fail(Object item, Exception reason) {}

        /**
         * Acks arrive nearly in order, so removals are deleted as runs of consecutive sequences,
         * one statement per run rather than per alert.
         */
        private void delete(List<Long> removals) throws SQLException {
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
                        budget.add(-rs.getLong(1));
                        count.decrementAndGet();
                    }
                }
                i = j;
            }
        }

        private void dropOldest() throws SQLException {
            try (Statement s = writerDb.createStatement();
                    ResultSet rs = s.executeQuery(
                            "DELETE FROM alerts WHERE seq = (SELECT min(seq) FROM alerts) RETURNING length(alert)")) {
                if (rs.next()) {
                    budget.add(-rs.getLong(1));
                    count.decrementAndGet();
                    dropped.incrementAndGet();
                }
            }
        }
    }

    /** Commits so far that were fsync'd (with appends), and that were not (deletes only). */
    long[] commits() {
        return new long[] {writer.syncedCommits(), writer.unsyncedCommits()};
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
        writer.submit(seq);
    }

    public long count() {
        return count.get();
    }

    /** Appends and removals waiting in memory for the writer's next batch: a burst the disk has not caught up with. */
    public int queued() {
        return writer.queued();
    }

    public long bytes() {
        return budget.used();
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
            budget.set(rs.getLong(2));
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
                        out.add(new Entry(rs.getLong(1), rs.getBytes(3), rs.getLong(2)));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("node spool read failed: " + e.getMessage(), e);
            }
        }
        return out;
    }

    @Override
    public void close() {
        writer.close(); // the writer flushes what is queued, then stops
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
