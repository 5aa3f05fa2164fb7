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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The store's writes: inserting batches of alerts and deleting the oldest, each in one
 * transaction, with the per-minute counts ({@link Schema#MINUTES}) kept in step. Used by one thread
 * at a time ({@link AlertRecorder}'s), which keeps one connection and its prepared statements
 * from batch to batch: taking them anew for every batch cost more than a small batch's rows.
 */
final class StoreWriter implements AutoCloseable {
    /** An accepted alert on its way into the store; {@code queuedNanos} for the recorder's lag. */
    record NewAlert(Alert alert, byte[] body, List<String> outputs, String muted, long queuedNanos) {
        NewAlert(Alert alert, byte[] body, List<String> outputs, String muted) {
            this(alert, body, outputs, muted, System.nanoTime());
        }
    }

    /** The alerts table's text columns, in {@link Schema#COLUMNS}' order; each counted per value too. */
    private static final List<Dimension> COLUMNS = List.of(
            Dimension.RULE,
            Dimension.SOURCE,
            Dimension.HOSTNAME,
            Dimension.CONTAINER,
            Dimension.IMAGE,
            Dimension.NAMESPACE,
            Dimension.POD);

    private final DataSource writes;
    private final Dialect dialect;
    private final String insertAlert;
    private final BodyCodec.Encoder bodies = new BodyCodec.Encoder();
    private Connection connection;
    private PreparedStatement alerts;
    private PreparedStatement tags;
    private PreparedStatement text;
    private PreparedStatement textNext; // while TextIndexRebuild fills the new index: new alerts go into both
    private PreparedStatement minutes;
    private final List<PreparedStatement> values = new ArrayList<>(); // per Schema.VALUE_TABLES

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

    /** The writer's connection, opened (with its statements) when there is none. */
    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = writes.getConnection();
            try {
                c.setAutoCommit(true);
                alerts = c.prepareStatement(insertAlert);
                tags = c.prepareStatement("INSERT INTO alert_tags(tag, at, id) VALUES(?, ?, ?)");
                text = dialect.separateTextTable()
                        ? c.prepareStatement("INSERT INTO alert_text(rowid, body) VALUES(?, ?)")
                        : null;
                minutes = c.prepareStatement("INSERT INTO " + Schema.MINUTES + "(minute, priority, n) VALUES(?, ?, ?)"
                        + " ON CONFLICT(minute, priority) DO UPDATE SET n = " + Schema.MINUTES + ".n + excluded.n");
                values.clear();
                for (Schema.ValueTable t : Schema.VALUE_TABLES) {
                    values.add(c.prepareStatement("INSERT INTO " + t.name()
                            + "(dimension, bucket, value, priority, n) VALUES(?, ?, ?, ?, ?)"
                            + " ON CONFLICT(dimension, bucket, value, priority) DO UPDATE SET n = " + t.name()
                            + ".n + excluded.n"));
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    /** After a failure: the connection goes back (a broken one is dropped by the pool) and is taken anew. */
    private void discard() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException ignored) {
                // broken already; the pool replaces it
            }
        }
    }

    /** Stores the batch in one transaction; returns the ids given, in batch order. */
    long[] insert(List<NewAlert> batch) throws SQLException {
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            long[] ids = dialect.reserveIds(c, batch.size());
            Map<MinuteKey, Long> perMinute = new TreeMap<>();
            Map<ValueKey, Long> perValue = new TreeMap<>();
            for (int i = 0; i < batch.size(); i++) {
                Alert a = batch.get(i).alert();
                String[] columns = columns(a);
                Set<String> distinctTags = new LinkedHashSet<>(a.tags());
                add(batch.get(i), ids[i], columns, distinctTags);
                long at = QuerySql.micros(a.time());
                int priority = a.priority().ordinal();
                perMinute.merge(MinuteKey.of(at, priority), 1L, Long::sum);
                ValueKey.of(at, priority, columns, distinctTags).forEach(k -> perValue.merge(k, 1L, Long::sum));
            }
            alerts.executeBatch();
            tags.executeBatch();
            if (text != null) {
                text.executeBatch();
            }
            if (textNext != null) {
                textNext.executeBatch();
            }
            addMinutes(perMinute);
            addValueMinutes(perValue);
            c.commit();
            c.setAutoCommit(true);
            return ids;
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            if (dialect instanceof SqliteDialect s) {
                s.forget();
            }
            throw e;
        }
    }

    /** A minute and a priority: a row of {@link Schema#MINUTES}. */
    private record MinuteKey(long minute, int priority) implements Comparable<MinuteKey> {
        static MinuteKey of(long atMicros, int priority) {
            return new MinuteKey(atMicros / Schema.MINUTE_MICROS, priority);
        }

        @Override
        public int compareTo(MinuteKey o) {
            int c = Long.compare(minute, o.minute);
            return c != 0 ? c : Integer.compare(priority, o.priority);
        }
    }

    /**
     * A dimension's value in a time bucket, of a priority: a row of the {@code tier}th of {@link
     * Schema#VALUE_TABLES}.
     */
    private record ValueKey(int tier, String dimension, long bucket, String value, int priority)
            implements Comparable<ValueKey> {
        /**
         * An alert's rows in each table: its value of each of {@link #COLUMNS} ({@code columns}, in
         * that order; all of them {@link ValueCounts#KEPT}) and each of its (distinct) tags.
         */
        static List<ValueKey> of(long atMicros, int priority, String[] columns, Set<String> tags) {
            List<ValueKey> keys = new ArrayList<>(Schema.VALUE_TABLES.size() * (COLUMNS.size() + tags.size()));
            for (int tier = 0; tier < Schema.VALUE_TABLES.size(); tier++) {
                long bucket = atMicros / Schema.VALUE_TABLES.get(tier).widthMicros();
                for (int i = 0; i < COLUMNS.size(); i++) {
                    keys.add(new ValueKey(tier, COLUMNS.get(i).column(), bucket, columns[i], priority));
                }
                for (String t : tags) {
                    keys.add(new ValueKey(tier, Dimension.TAGS.column(), bucket, t, priority));
                }
            }
            return keys;
        }

        @Override
        public int compareTo(ValueKey o) {
            int c = Integer.compare(tier, o.tier);
            c = c != 0 ? c : dimension.compareTo(o.dimension);
            c = c != 0 ? c : Long.compare(bucket, o.bucket);
            c = c != 0 ? c : value.compareTo(o.value);
            return c != 0 ? c : Integer.compare(priority, o.priority);
        }
    }

    private void addValueMinutes(Map<ValueKey, Long> perValue) throws SQLException {
        for (Map.Entry<ValueKey, Long> e : perValue.entrySet()) {
            ValueKey k = e.getKey();
            PreparedStatement s = values.get(k.tier());
            s.setString(1, k.dimension());
            s.setLong(2, k.bucket());
            s.setString(3, k.value());
            s.setInt(4, k.priority());
            s.setLong(5, e.getValue());
            s.addBatch();
        }
        for (PreparedStatement s : values) {
            s.executeBatch();
        }
    }

    private void addMinutes(Map<MinuteKey, Long> perMinute) throws SQLException {
        for (Map.Entry<MinuteKey, Long> e : perMinute.entrySet()) {
            minutes.setLong(1, e.getKey().minute());
            minutes.setInt(2, e.getKey().priority());
            minutes.setLong(3, e.getValue());
            minutes.addBatch();
        }
        minutes.executeBatch();
    }

    private void rollback(Connection c) {
        try {
            alerts.clearBatch();
            tags.clearBatch();
            if (text != null) {
                text.clearBatch();
            }
            if (textNext != null) {
                textNext.clearBatch();
            }
            minutes.clearBatch();
            for (PreparedStatement s : values) {
                s.clearBatch();
            }
            c.rollback();
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            discard();
        }
    }

    /** The alert's value of each of {@link #COLUMNS}, in that order. */
    private static String[] columns(Alert a) {
        String[] values = new String[COLUMNS.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = COLUMNS.get(i).of(a);
        }
        return values;
    }

    private void add(NewAlert n, long id, String[] columns, Set<String> distinctTags) throws SQLException {
        Alert a = n.alert();
        long at = QuerySql.micros(a.time());
        int i = 1;
        alerts.setLong(i++, id);
        alerts.setString(i++, a.uuid());
        alerts.setLong(i++, at);
        alerts.setInt(i++, a.priority().ordinal());
        for (String value : columns) {
            alerts.setString(i++, value);
        }
        alerts.setString(i++, String.join(",", distinctTags));
        alerts.setString(i++, String.join(",", n.outputs()));
        alerts.setString(i++, n.muted());
        alerts.setBytes(i++, bodies.encode(n.body()));
        String words = SearchText.of(a);
        if (text == null) {
            alerts.setString(i, words);
        } else {
            text.setLong(1, id);
            text.setString(2, words);
            text.addBatch();
            if (textNext != null) {
                textNext.setLong(1, id);
                textNext.setString(2, words);
                textNext.addBatch();
            }
        }
        alerts.addBatch();
        for (String tag : distinctTags) {
            tags.setString(1, tag);
            tags.setLong(2, at);
            tags.setLong(3, id);
            tags.addBatch();
        }
    }

    /**
     * SQLite, a store made before the full-text index's prefix indexes: rebuilds the index ({@link
     * TextIndexRebuild}), calling {@code between} after each slice to store what has queued (into
     * both indexes; false stops the rebuild). Not to run beside retention's deletes. Returns the
     * alerts indexed anew, or -1 when there was nothing to do or it was stopped.
     */
    long rebuildText(java.util.function.BooleanSupplier between) throws SQLException {
        return rebuildText(TextIndexRebuild.SLICE, between);
    }

    /** {@link #rebuildText(java.util.function.BooleanSupplier)} in slices of {@code slice} alerts. */
    long rebuildText(int slice, java.util.function.BooleanSupplier between) throws SQLException {
        if (!(dialect instanceof SqliteDialect)) {
            return -1;
        }
        Connection c = connection();
        try {
            if (!TextIndexRebuild.needed(c)) {
                return -1;
            }
            long last;
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM alerts")) {
                rs.next();
                last = rs.getLong(1);
            }
            org.slf4j.LoggerFactory.getLogger(StoreWriter.class)
                    .info(
                            "alert store: rebuilding the full-text index with prefix indexes (alerts up to id {});"
                                    + " searches use the old one until it is done",
                            last);
            // from here new alerts (ids above last) go into both tables
            textNext = TextIndexRebuild.begin(c);
            long n = TextIndexRebuild.copy(c, textNext, last, slice, between);
            textNext.close();
            textNext = null;
            if (n >= 0) {
                TextIndexRebuild.finish(c);
            }
            return n;
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        } finally {
            textNext = null;
            // statements prepared on the old table are prepared anew
            discard();
        }
    }

    /** Deletes up to {@code max} alerts older than {@code beforeMicros}, oldest first; returns how many. */
    int deleteBefore(long beforeMicros, int max) throws SQLException {
        Connection c = connection();
        int n = 0;
        try {
            c.setAutoCommit(false);
            Map<MinuteKey, Long> perMinute = new TreeMap<>();
            Map<ValueKey, Long> perValue = new TreeMap<>();
            try (PreparedStatement oldest = c.prepareStatement("SELECT id, at, tags, priority, "
                            + String.join(
                                    ", ",
                                    COLUMNS.stream().map(Dimension::column).toList())
                            + " FROM alerts WHERE at < ? ORDER BY at LIMIT ?");
                    PreparedStatement alert = c.prepareStatement("DELETE FROM alerts WHERE id = ?");
                    PreparedStatement tag =
                            c.prepareStatement("DELETE FROM alert_tags WHERE tag = ? AND at = ? AND id = ?");
                    PreparedStatement words = dialect.separateTextTable()
                            ? c.prepareStatement("DELETE FROM alert_text WHERE rowid = ?")
                            : null;
                    PreparedStatement emptyMinute = c.prepareStatement(
                            "DELETE FROM " + Schema.MINUTES + " WHERE minute = ? AND priority = ? AND n <= 0");
                    PreparedStatement emptyValueMinute = emptyValue(c, 0);
                    PreparedStatement emptyValueHour = emptyValue(c, 1)) {
                oldest.setLong(1, beforeMicros);
                oldest.setInt(2, max);
                try (ResultSet rs = oldest.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        long at = rs.getLong(2);
                        alert.setLong(1, id);
                        alert.addBatch();
                        String tags = rs.getString(3);
                        List<String> tagList = tags.isEmpty() ? List.of() : Arrays.asList(tags.split(","));
                        String[] columns = new String[COLUMNS.size()];
                        for (int i = 0; i < columns.length; i++) {
                            columns[i] = rs.getString(5 + i);
                        }
                        ValueKey.of(at, rs.getInt(4), columns, new LinkedHashSet<>(tagList))
                                .forEach(k -> perValue.merge(k, -1L, Long::sum));
                        for (String t : tagList) {
                            tag.setString(1, t);
                            tag.setLong(2, at);
                            tag.setLong(3, id);
                            tag.addBatch();
                        }
                        if (words != null) {
                            words.setLong(1, id);
                            words.addBatch();
                        }
                        perMinute.merge(MinuteKey.of(at, rs.getInt(4)), -1L, Long::sum);
                        n++;
                    }
                }
                alert.executeBatch();
                tag.executeBatch();
                if (words != null) {
                    words.executeBatch();
                }
                addMinutes(perMinute);
                for (MinuteKey k : perMinute.keySet()) {
                    emptyMinute.setLong(1, k.minute());
                    emptyMinute.setInt(2, k.priority());
                    emptyMinute.addBatch();
                }
                emptyMinute.executeBatch();
                addValueMinutes(perValue);
                for (ValueKey k : perValue.keySet()) {
                    PreparedStatement empty = k.tier() == 0 ? emptyValueMinute : emptyValueHour;
                    empty.setString(1, k.dimension());
                    empty.setLong(2, k.bucket());
                    empty.setString(3, k.value());
                    empty.setInt(4, k.priority());
                    empty.addBatch();
                }
                emptyValueMinute.executeBatch();
                emptyValueHour.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        }
        if (n > 0) {
            dialect.reclaim(c);
        }
        return n;
    }

    private static PreparedStatement emptyValue(Connection c, int tier) throws SQLException {
        return c.prepareStatement("DELETE FROM " + Schema.VALUE_TABLES.get(tier).name()
                + " WHERE dimension = ? AND bucket = ? AND value = ? AND priority = ? AND n <= 0");
    }

    long usedBytes() throws SQLException {
        try {
            return dialect.usedBytes(connection());
        } catch (SQLException | RuntimeException e) {
            discard();
            throw e;
        }
    }

    /** Alerts in the store, from the per-minute counts (a full count reads an index of every alert). */
    long count() throws SQLException {
        try (Statement s = connection().createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(sum(n), 0) FROM " + Schema.MINUTES)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException | RuntimeException e) {
            discard();
            throw e;
        }
    }

    @Override
    public void close() {
        discard();
        bodies.close();
    }
}
