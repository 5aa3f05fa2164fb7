package dev.peregrine.bench.spool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * SQLite (xerial sqlite-jdbc) in WAL mode with synchronous=FULL: every commit fsyncs the WAL.
 *
 * <p>{@code spoolSchema=false}: the smallest queue, {@code queue(id INTEGER PRIMARY KEY, payload)},
 * so it compares like for like with the other stores. {@code spoolSchema=true}: the sidekick
 * Spool's own tables and statements (the dedup table {@code accepted}, the per-output queue with
 * its (output, id) index, INSERT OR IGNORE then INSERT per alert), to show what that schema costs.
 */
final class SqliteStore extends GroupCommitStore {
    private static final String OUTPUT = "sink";

    private final Path file;
    private final boolean spoolSchema;
    private final Connection writer;
    private final PreparedStatement accept;
    private final PreparedStatement enqueue;
    private final PreparedStatement delete;
    private final Connection reader;
    private final PreparedStatement next;

    SqliteStore(Path dir, boolean spoolSchema) throws SQLException {
        this.file = dir.resolve("spool.db");
        this.spoolSchema = spoolSchema;
        writer = open();
        try (Statement s = writer.createStatement()) {
            if (spoolSchema) {
                s.execute(
                        "CREATE TABLE IF NOT EXISTS accepted(uuid TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID");
                s.execute("CREATE INDEX IF NOT EXISTS accepted_at ON accepted(at)");
                s.execute(
                        "CREATE TABLE IF NOT EXISTS queue(id INTEGER PRIMARY KEY AUTOINCREMENT,"
                                + " output TEXT NOT NULL, uuid TEXT NOT NULL, accepted_at INTEGER NOT NULL, payload BLOB NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS queue_output ON queue(output, id)");
            } else {
                // AUTOINCREMENT: without it SQLite reuses ids once the table is emptied, and a reader
                // that remembers the last id it read would skip the new rows (the Spool has it too).
                s.execute(
                        "CREATE TABLE IF NOT EXISTS queue(id INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL)");
            }
        }
        writer.setAutoCommit(false);
        if (spoolSchema) {
            accept = writer.prepareStatement("INSERT OR IGNORE INTO accepted(uuid, at) VALUES(?, ?)");
            enqueue =
                    writer.prepareStatement("INSERT INTO queue(output, uuid, accepted_at, payload) VALUES(?, ?, ?, ?)");
            delete = writer.prepareStatement("DELETE FROM queue WHERE output = ? AND id <= ?");
        } else {
            accept = null;
            enqueue = writer.prepareStatement("INSERT INTO queue(payload) VALUES(?)");
            delete = writer.prepareStatement("DELETE FROM queue WHERE id <= ?");
        }
        reader = open();
        next = spoolSchema
                ? reader.prepareStatement(
                        "SELECT id, payload FROM queue WHERE output = ? AND id > ? ORDER BY id LIMIT ?")
                : reader.prepareStatement("SELECT id, payload FROM queue WHERE id > ? ORDER BY id LIMIT ?");
        start();
    }

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=10000");
        }
        return c;
    }

    @Override
    void writeAppends(List<String> uuids, List<byte[]> payloads) throws SQLException {
        long now = System.currentTimeMillis();
        for (int i = 0; i < payloads.size(); i++) {
            if (spoolSchema) {
                accept.setString(1, uuids.get(i));
                accept.setLong(2, now);
                if (accept.executeUpdate() != 1) {
                    continue;
                }
                enqueue.setString(1, OUTPUT);
                enqueue.setString(2, uuids.get(i));
                enqueue.setLong(3, now);
                enqueue.setBytes(4, payloads.get(i));
            } else {
                enqueue.setBytes(1, payloads.get(i));
            }
            enqueue.executeUpdate();
        }
    }

    @Override
    void writeRemove(long upToId, int count) throws SQLException {
        if (spoolSchema) {
            delete.setString(1, OUTPUT);
            delete.setLong(2, upToId);
        } else {
            delete.setLong(1, upToId);
        }
        delete.executeUpdate();
    }

    @Override
    void sync() throws SQLException {
        writer.commit();
    }

    @Override
    List<Entry> readNow(long afterId, int max) throws SQLException {
        int p = 1;
        if (spoolSchema) {
            next.setString(p++, OUTPUT);
        }
        next.setLong(p++, afterId);
        next.setInt(p, max);
        List<Entry> entries = new ArrayList<>();
        try (ResultSet rs = next.executeQuery()) {
            while (rs.next()) {
                entries.add(new Entry(rs.getLong(1), rs.getBytes(2)));
            }
        }
        return entries;
    }

    @Override
    void closeStore() throws SQLException {
        next.close();
        reader.close();
        if (accept != null) {
            accept.close();
        }
        enqueue.close();
        delete.close();
        writer.close();
    }
}
