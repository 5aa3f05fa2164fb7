package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Alert;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The store's writes: inserting batches of alerts and deleting the oldest, each in one
 * transaction. Used by one thread at a time ({@link AlertRecorder}'s).
 */
final class StoreWriter {
    /** An accepted alert on its way into the store. */
    record NewAlert(Alert alert, byte[] body, List<String> outputs, String muted) {}

    private final DataSource writes;
    private final Dialect dialect;
    private final String insertAlert;

    StoreWriter(DataSource writes, Dialect dialect) {
        this.writes = writes;
        this.dialect = dialect;
        List<String> columns = new ArrayList<>(Schema.COLUMNS);
        String values = "?,".repeat(columns.size() - 1) + "?";
        if (!dialect.separateTextTable()) {
            columns.add(Schema.TEXT_COLUMN);
            values += ", " + dialect.textValue();
        }
        this.insertAlert = "INSERT INTO alerts(" + String.join(", ", columns) + ") VALUES(" + values + ")";
    }

    /** Stores the batch in one transaction; returns the ids given, in batch order. */
    long[] insert(List<NewAlert> batch) throws SQLException {
        try (Connection c = writes.getConnection()) {
            c.setAutoCommit(false);
            long[] ids;
            try (PreparedStatement alerts = c.prepareStatement(insertAlert);
                    PreparedStatement tags = c.prepareStatement("INSERT INTO alert_tags(tag, at, id) VALUES(?, ?, ?)");
                    PreparedStatement text = dialect.separateTextTable()
                            ? c.prepareStatement("INSERT INTO alert_text(rowid, body) VALUES(?, ?)")
                            : null) {
                ids = dialect.reserveIds(c, batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    add(batch.get(i), ids[i], alerts, tags, text);
                }
                alerts.executeBatch();
                tags.executeBatch();
                if (text != null) {
                    text.executeBatch();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                if (dialect instanceof SqliteDialect s) {
                    s.forget();
                }
                throw e;
            }
            return ids;
        }
    }

    private void add(NewAlert n, long id, PreparedStatement alerts, PreparedStatement tags, PreparedStatement text)
            throws SQLException {
        Alert a = n.alert();
        long at = QuerySql.micros(a.time());
        int i = 1;
        alerts.setLong(i++, id);
        alerts.setString(i++, a.uuid());
        alerts.setLong(i++, at);
        alerts.setInt(i++, a.priority().ordinal());
        for (Dimension d : List.of(
                Dimension.RULE,
                Dimension.SOURCE,
                Dimension.HOSTNAME,
                Dimension.CONTAINER,
                Dimension.IMAGE,
                Dimension.NAMESPACE,
                Dimension.POD)) {
            alerts.setString(i++, d.of(a));
        }
        Set<String> distinctTags = new LinkedHashSet<>(a.tags());
        alerts.setString(i++, String.join(",", distinctTags));
        alerts.setString(i++, String.join(",", n.outputs()));
        alerts.setString(i++, n.muted());
        alerts.setBytes(i++, BodyCodec.encode(n.body()));
        String words = SearchText.of(a);
        if (text == null) {
            alerts.setString(i, words);
        } else {
            text.setLong(1, id);
            text.setString(2, words);
            text.addBatch();
        }
        alerts.addBatch();
        for (String tag : distinctTags) {
            tags.setString(1, tag);
            tags.setLong(2, at);
            tags.setLong(3, id);
            tags.addBatch();
        }
    }

    /** Deletes up to {@code max} alerts older than {@code beforeMicros}, oldest first; returns how many. */
    int deleteBefore(long beforeMicros, int max) throws SQLException {
        try (Connection c = writes.getConnection()) {
            c.setAutoCommit(false);
            int n = 0;
            try (PreparedStatement oldest =
                            c.prepareStatement("SELECT id, at, tags FROM alerts WHERE at < ? ORDER BY at LIMIT ?");
                    PreparedStatement alert = c.prepareStatement("DELETE FROM alerts WHERE id = ?");
                    PreparedStatement tag =
                            c.prepareStatement("DELETE FROM alert_tags WHERE tag = ? AND at = ? AND id = ?");
                    PreparedStatement text = dialect.separateTextTable()
                            ? c.prepareStatement("DELETE FROM alert_text WHERE rowid = ?")
                            : null) {
                oldest.setLong(1, beforeMicros);
                oldest.setInt(2, max);
                try (ResultSet rs = oldest.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        alert.setLong(1, id);
                        alert.addBatch();
                        String tags = rs.getString(3);
                        for (String t : tags.isEmpty() ? List.<String>of() : Arrays.asList(tags.split(","))) {
                            tag.setString(1, t);
                            tag.setLong(2, rs.getLong(2));
                            tag.setLong(3, id);
                            tag.addBatch();
                        }
                        if (text != null) {
                            text.setLong(1, id);
                            text.addBatch();
                        }
                        n++;
                    }
                }
                alert.executeBatch();
                tag.executeBatch();
                if (text != null) {
                    text.executeBatch();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            if (n > 0) {
                c.setAutoCommit(true);
                dialect.reclaim(c);
            }
            return n;
        }
    }

    long usedBytes() throws SQLException {
        try (Connection c = writes.getConnection()) {
            return dialect.usedBytes(c);
        }
    }

    long count() throws SQLException {
        try (Connection c = writes.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM alerts")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
