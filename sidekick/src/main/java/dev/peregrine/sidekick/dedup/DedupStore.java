package dev.peregrine.sidekick.dedup;

import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.wal.WalDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Open dedup and group windows, durable: {@code dedup.db} ({@link WalDatabase}: SQLite, WAL, synchronous=FULL) beside
 * the spool's database, so a restart neither forgets what was suppressed nor floods the outputs
 * with repeats. A file of its own keeps these small writes off the intake's write lock; the
 * order of writes (window first, spool removal after) makes the pair safe across a crash, see
 * {@link Aggregator}.
 *
 * <p>Shared by the outputs' delivery threads; each call is one transaction.
 */
public final class DedupStore implements AutoCloseable {
    public static final String FILE = "dedup.db";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<LinkedHashMap<String, Long>> BUCKETS = new TypeReference<>() {};

    private final Path file;
    private final Connection connection;

    public DedupStore(Path dir) {
        try {
            // WalDatabase makes the directory and files private, and the connection WAL,
            // synchronous=FULL, with the spool's busy timeout.
            WalDatabase database = WalDatabase.open(dir, FILE, true);
            this.file = database.file();
            this.connection = database.connect();
            try (Statement s = connection.createStatement()) {
                s.execute(
                        "CREATE TABLE IF NOT EXISTS dedup_window(output TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
                                + " rule TEXT NOT NULL, closes_at INTEGER NOT NULL, first_uuid TEXT NOT NULL, first_id INTEGER NOT NULL,"
                                + " last_id INTEGER NOT NULL, count INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,"
                                + " max_priority TEXT NOT NULL, buckets TEXT NOT NULL, sample BLOB NOT NULL,"
                                + " PRIMARY KEY(output, kind, key, first_id)) WITHOUT ROWID");
            }
            connection.setAutoCommit(false);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot open the dedup state under " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Every window of {@code output}, whatever its kind. */
    synchronized List<Window> load(String output) {
        List<Window> windows = new ArrayList<>();
        try (PreparedStatement p = connection.prepareStatement(
                "SELECT kind, key, rule, closes_at, first_uuid, first_id, last_id,"
                        + " count, first_seen, last_seen, max_priority, buckets, sample FROM dedup_window WHERE output = ? ORDER BY first_id")) {
            p.setString(1, output);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    windows.add(new Window(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getLong(4),
                            rs.getString(5),
                            rs.getLong(6),
                            rs.getLong(7),
                            rs.getLong(8),
                            Instant.parse(rs.getString(9)),
                            Instant.parse(rs.getString(10)),
                            Priority.valueOf(rs.getString(11)),
                            JSON.readValue(rs.getString(12), BUCKETS),
                            rs.getBytes(13)));
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("reading dedup state of output " + output + ": " + e.getMessage(), e);
        }
        return windows;
    }

    /** Writes (inserts or replaces) windows in one transaction; returns once it is on disk. */
    synchronized void save(String output, Collection<Window> windows) {
        if (windows.isEmpty()) {
            return;
        }
        try (PreparedStatement p =
                connection.prepareStatement("INSERT OR REPLACE INTO dedup_window(output, kind, key, rule,"
                        + " closes_at, first_uuid, first_id, last_id, count, first_seen, last_seen, max_priority, buckets, sample)"
                        + " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Window w : windows) {
                p.setString(1, output);
                p.setString(2, w.kind);
                p.setString(3, w.key);
                p.setString(4, w.rule);
                p.setLong(5, w.closesAt);
                p.setString(6, w.firstUuid);
                p.setLong(7, w.firstId);
                p.setLong(8, w.lastId);
                p.setLong(9, w.count);
                p.setString(10, w.firstSeen.toString());
                p.setString(11, w.lastSeen.toString());
                p.setString(12, w.maxPriority.name());
                p.setString(13, JSON.writeValueAsString(w.buckets));
                p.setBytes(14, w.sample);
                p.addBatch();
            }
            p.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            rollback();
            throw new IllegalStateException("saving dedup state of output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Forgets closed windows in one transaction; returns once that is on disk. */
    synchronized void delete(String output, Collection<Window> windows) {
        try (PreparedStatement p = connection.prepareStatement(
                "DELETE FROM dedup_window WHERE output = ? AND kind = ? AND key = ? AND first_id = ?")) {
            for (Window w : windows) {
                p.setString(1, output);
                p.setString(2, w.kind);
                p.setString(3, w.key);
                p.setLong(4, w.firstId);
                p.addBatch();
            }
            p.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            rollback();
            throw new IllegalStateException("deleting dedup state of output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Open windows per output, for the startup log. */
    public synchronized Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Statement s = connection.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT output, count(*) FROM dedup_window GROUP BY output ORDER BY output")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return counts;
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the original failure is what matters
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // nothing left to do
        }
    }
}
