package dev.peregrine.sidekick.spool;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.wal.Budget;
import dev.peregrine.wal.GroupCommitWriter;
import dev.peregrine.wal.WalDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable per-output queues: one SQLite database in WAL mode, one logical queue per output.
 *
 * <p>All writes go through one writer thread that commits whatever has queued up in one
 * transaction (group commit, {@link GroupCommitWriter}), so many concurrent appends share one
 * fsync. An append's future completes only after its transaction is committed: that is when the
 * sender may be told the alert is safe. Readers use their own connections (WAL lets them run
 * beside the writer).
 *
 * <p>Uuids of accepted alerts are remembered for {@code dedupWindow}, so a sender that resends
 * after a lost acknowledgement does not cause a second delivery.
 */
public final class Spool implements AlertLog {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final int MAX_BATCH = 2048;
    /** A batch this large already shares its fsync well: commit it without lingering. */
    private static final int LINGER_BELOW = 64;

    private final WalDatabase database;
    private final Duration dedupWindow;
    private final Clock clock;
    /** Used by the writer thread alone once it has started. */
    private final Connection writerDb;

    private final GroupCommitWriter<SpoolWrite> writer;
    private final SpoolCounts counts;
    private final Budget budget;
    /** Per output, its readers' handoffs: each commit's new entries are offered to them. */
    private final Map<String, List<Handoff>> handoffs = new ConcurrentHashMap<>();

    /** A run of refusals for the budget, from the first to the next accepted append. */
    private static final class FullEpisode {
        long since; // guarded by this
        long refusals; // guarded by this
    }

    private final FullEpisode episode = new FullEpisode();
    /** Whether an episode is open; read on every append, so kept outside the lock. */
    private volatile boolean refusing;
    /** What the last refused append needed: the budget is full until that much fits. */
    private volatile long lastRefusedBytes;

    public Spool(Path dir, long maxBytes, boolean fsync, Duration dedupWindow, Clock clock) {
        this(dir, maxBytes, fsync, dedupWindow, Duration.ZERO, clock);
    }

    /**
     * @param commitLinger how long the writer lets a small batch wait for company before it
     *     commits: fsync's CPU cost is per commit, so with alerts streaming in one by one (gRPC)
     *     a millisecond of waiting saves most of it
     */
    public Spool(Path dir, long maxBytes, boolean fsync, Duration dedupWindow, Duration commitLinger, Clock clock) {
        this.counts = new SpoolCounts(maxBytes);
        this.budget = counts.budget();
        this.dedupWindow = dedupWindow;
        this.clock = clock;
        try {
            this.database = WalDatabase.open(dir, "spool.db", fsync);
            this.writerDb = database.connect();
            try (Statement s = writerDb.createStatement()) {
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
            writerDb.setAutoCommit(false);
            loadStats();
            this.writer = GroupCommitWriter.on(
                            writerDb, new SpoolWrites(writerDb, clock, dedupWindow, counts, handoffs))
                    .name("spool")
                    .fsync(fsync)
                    .batches(MAX_BATCH, LINGER_BELOW, commitLinger)
                    // pruning the accepted uuids waits for a quiet second
                    .idleEvery(Duration.ofSeconds(1))
                    .start();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot open the spool under " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Where the database lives, for logs and docs. */
    public Path file() {
        return database.file();
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
        long need = (long) payload.length * outputs.size();
        long used = budget.used();
        if (used + need > budget.maxBytes()) {
            refused(used, need);
            throw new SpoolFullException(used, budget.maxBytes());
        }
        if (refusing) {
            acceptingAgain();
        }
        SpoolWrite.Append a = new SpoolWrite.Append(
                uuid, payload, List.copyOf(outputs), remember, clock.millis(), new CompletableFuture<>());
        writer.submit(a);
        return a.done();
    }

    /**
     * Removes a delivered entry; the future completes once the removal is on disk. Until then a
     * crash means the entry is delivered again (at least once, never lost).
     */
    public CompletableFuture<Boolean> remove(SpoolEntry entry) {
        SpoolWrite.Remove r = new SpoolWrite.Remove(entry, null);
        writer.submit(r);
        return r.done();
    }

    /** Moves an entry that can never be delivered to the dead-letter table, keeping it for inspection. */
    public CompletableFuture<Boolean> bury(SpoolEntry entry, String reason) {
        SpoolWrite.Remove r = new SpoolWrite.Remove(entry, reason == null ? "unknown" : reason);
        writer.submit(r);
        return r.done();
    }

    /**
     * Moves every dead-lettered alert of {@code output} back to the end of its queue, to be
     * delivered again (after the destination or the output's settings were fixed). The future
     * completes with the number moved once that is on disk.
     */
    public CompletableFuture<Long> requeueDead(String output) {
        SpoolWrite.Requeue q = new SpoolWrite.Requeue(output, new long[2], new CompletableFuture<>());
        writer.submit(q);
        return q.done();
    }

    /** Dead-lettered alerts by output (outputs with none left out); kept in memory, cheap. */
    @Override
    public Map<String, Long> deadByOutput() {
        return counts.deadByOutput();
    }

    @Override
    public CompletableFuture<Boolean> append(Alert alert, byte[] payload, List<String> outputs, boolean remember) {
        return append(alert.uuid(), payload, outputs, remember);
    }

    @Override
    public OutputQueue queue(String output) {
        return reader(output);
    }

    @Override
    public Path stateDir() {
        return database.file().toAbsolutePath().getParent();
    }

    /** A reader for one output's queue; not thread-safe, one per delivery worker. */
    public SpoolReader reader(String output) {
        try {
            Handoff handoff = new Handoff(Handoff.CAPACITY);
            handoffs.computeIfAbsent(output, k -> new CopyOnWriteArrayList<>()).add(handoff);
            return new SpoolReader(this, output, handoff, database.connect());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open a spool reader: " + e.getMessage(), e);
        }
    }

    /** Alerts waiting for {@code output}. */
    @Override
    public long depth(String output) {
        return counts.depth(output);
    }

    /** Payload bytes waiting for {@code output}. */
    public long bytes(String output) {
        return counts.bytes(output);
    }

    public long totalBytes() {
        return budget.used();
    }

    public long maxBytes() {
        return budget.maxBytes();
    }

    /**
     * True while appends are refused for the budget: since the first refusal, until the last
     * refused alert would fit (outputs caught up) or an append succeeded. Not {@code used >= max}:
     * an append is refused as soon as it would not fit, long before every byte is used.
     */
    public boolean full() {
        return refusing && budget.used() + lastRefusedBytes > budget.maxBytes();
    }

    /**
     * Logs the first refusal of a full episode, so an outage at thousands of alerts a second
     * writes two log lines (full, accepting again), not one per alert; each refusal is counted
     * by the intake.
     */
    private void refused(long used, long need) {
        lastRefusedBytes = need;
        synchronized (episode) {
            episode.refusals++;
            if (!refusing) {
                refusing = true;
                episode.refusals = 1;
                episode.since = clock.millis();
                log.warn(
                        "spool is full: {} of {} bytes used (peregrine.spool.max-bytes); refusing alerts"
                                + " (HTTP 503 with Retry-After, gRPC RETRY_LATER) until outputs catch up",
                        used,
                        budget.maxBytes());
            }
        }
    }

    private void acceptingAgain() {
        synchronized (episode) {
            if (!refusing) {
                return;
            }
            refusing = false;
            log.info(
                    "spool accepts alerts again after {} ms; {} were refused meanwhile (senders retry them)",
                    clock.millis() - episode.since,
                    episode.refusals);
        }
    }

    @Override
    public Set<String> outputsWithBacklog() {
        return counts.outputsWithBacklog();
    }

    /** When the oldest alert waiting for {@code output} was accepted, if one waits. */
    @Override
    public Optional<Instant> oldestWaiting(String output) {
        if (depth(output) == 0) {
            return Optional.empty();
        }
        try (Connection c = database.connect();
                PreparedStatement p =
                        c.prepareStatement("SELECT accepted_at FROM queue WHERE output = ? ORDER BY id LIMIT 1")) {
            p.setString(1, output);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(Instant.ofEpochMilli(rs.getLong(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the spool: " + e.getMessage(), e);
        }
    }

    /**
     * Where one alert stands per output: the outputs it still waits for, and those that refused it
     * for good with their reason. Scans the queue (it has no index by uuid: an append must stay
     * cheap); for the dashboard's detail view only.
     */
    @Override
    public Map<String, String> statusOf(String uuid) {
        Map<String, String> status = new TreeMap<>();
        try (Connection c = database.connect();
                PreparedStatement waiting = c.prepareStatement("SELECT output FROM queue WHERE uuid = ?");
                PreparedStatement dead = c.prepareStatement("SELECT output, reason FROM dead WHERE uuid = ?")) {
            waiting.setString(1, uuid);
            try (ResultSet rs = waiting.executeQuery()) {
                while (rs.next()) {
                    status.put(rs.getString(1), "waiting");
                }
            }
            dead.setString(1, uuid);
            try (ResultSet rs = dead.executeQuery()) {
                while (rs.next()) {
                    status.put(rs.getString(1), "dead: " + rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the spool: " + e.getMessage(), e);
        }
        return status;
    }

    public long deadCount() {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM dead")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Commits what is queued, then closes the database; later writes fail. */
    @Override
    public void close() {
        writer.close();
        try {
            writerDb.close();
        } catch (SQLException e) {
            log.warn("closing the spool: {}", e.getMessage());
        }
    }

    private void loadStats() throws SQLException {
        try (Statement s = writerDb.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT output, count(*), coalesce(sum(length(payload)),0) FROM queue GROUP BY output")) {
            while (rs.next()) {
                counts.waiting(rs.getString(1), rs.getLong(2), rs.getLong(3));
            }
        }
        try (Statement s = writerDb.createStatement();
                ResultSet rs = s.executeQuery("SELECT output, count(*) FROM dead GROUP BY output")) {
            while (rs.next()) {
                counts.dead(rs.getString(1), rs.getLong(2));
            }
        }
        writerDb.commit();
    }

    /** A closed reader's handoff is offered nothing more. */
    void release(String output, Handoff handoff) {
        List<Handoff> of = handoffs.get(output);
        if (of != null) {
            of.remove(handoff);
        }
    }

    /** Commits so far that were fsync'd (with appends), and that were not (removals only). */
    public long[] commits() {
        return new long[] {writer.syncedCommits(), writer.unsyncedCommits()};
    }
}
