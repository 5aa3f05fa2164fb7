package dev.peregrine.sidekick.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.peregrine.sidekick.alert.Priority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Every alert the sidekick accepted, for the dashboard and its APIs: an embedded SQLite file by
 * default, or an external PostgreSQL. Reads run on a small pool of connections; all writes go
 * through one {@link StoreWriter} ({@link AlertRecorder}'s thread).
 */
public final class AlertStore implements AutoCloseable {
    private final HikariDataSource readers;
    private final HikariDataSource writes;
    private final Dialect dialect;
    private final String description;

    private AlertStore(HikariDataSource readers, HikariDataSource writes, Dialect dialect, String description) {
        this.readers = readers;
        this.writes = writes;
        this.dialect = dialect;
        this.description = description;
        try (Connection c = writes.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            for (String sql : dialect.schema()) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            close();
            throw new IllegalStateException(
                    "cannot create the alert store's tables in " + description + ": " + e.getMessage(), e);
        }
    }

    /** alerts.db under {@code dir}, created when missing. */
    public static AlertStore sqlite(Path dir, int readers) {
        Path file = dir.resolve("alerts.db").toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot create the alert store's directory " + dir + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + file;
        return new AlertStore(
                pool(url, null, null, readers, "alerts-read", true),
                pool(url, null, null, 1, "alerts-write", true),
                new SqliteDialect(),
                file.toString());
    }

    public static AlertStore postgres(String url, String user, String password, int readers) {
        return new AlertStore(
                pool(url, user, password, readers, "alerts-read", false),
                pool(url, user, password, 1, "alerts-write", false),
                new PostgresDialect(),
                url);
    }

    private static HikariDataSource pool(
            String url, String user, String password, int size, String name, boolean sqlite) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(sqlite ? size : 1);
        c.setPoolName(name);
        // The store may be down (PostgreSQL restarting): the sidekick starts and delivers anyway.
        c.setInitializationFailTimeout(sqlite ? 1 : -1);
        if (sqlite) {
            c.addDataSourceProperty("journal_mode", "WAL");
            // The store is a view of what was delivered, not the source of truth (the spool is):
            // a lost machine may lose its last commits, a killed sidekick does not.
            c.addDataSourceProperty("synchronous", "NORMAL");
            c.addDataSourceProperty("busy_timeout", "10000");
            // Ten indexes take turns on every insert: a page cache that holds their hot pages
            // (64 MB for the writer, 16 MB per reader; SQLite's default is 2 MB).
            c.addDataSourceProperty("cache_size", size == 1 ? "-65536" : "-16384");
        }
        return new HikariDataSource(c);
    }

    /** Where the store is, for logs: the SQLite file or the PostgreSQL URL. */
    public String description() {
        return description;
    }

    /** For the few tables kept beside the alerts (mutes); standard SQL only. */
    public DataSource dataSource() {
        return readers;
    }

    StoreWriter writer() {
        return new StoreWriter(writes, dialect);
    }

    /** A page of alerts, newest first: after {@code cursor} when given, else skipping {@code offset}. */
    public List<StoredAlert> search(AlertQuery q, Cursor cursor, int offset, int limit) {
        return withText(q, (c, match) -> {
            boolean common = match != null && commonText(c, match);
            // a prefix left as such is merged whole by each query: once, through the matches
            if (common && dialect.textMatchesBetween() != null && TextTerms.oneWordEach(match)) {
                return CommonTextPage.newest(c, dialect, q, match, cursor, offset, limit);
            }
            QuerySql w = QuerySql.of(q, dialect, common, match).after(cursor);
            String sql = "SELECT a.id, a.at, a.body, a.outputs, a.muted FROM alerts a" + w.where()
                    + " ORDER BY a.at DESC, a.id DESC LIMIT ? OFFSET ?";
            return read(
                    c,
                    sql,
                    s -> {
                        int i = w.bind(s, 1);
                        s.setInt(i++, limit);
                        s.setInt(i, offset);
                    },
                    AlertStore::alerts);
        });
    }

    /**
     * Alerts matching more than this many alerts' text are found newest-first through the time
     * index: about where the 50 newest of N alerts take as long to reach that way (50 N / matches
     * index entries) as looking up and sorting every match, at a million alerts.
     */
    static final int COMMON_TEXT = 5_000;

    private int commonTextAbove = COMMON_TEXT;

    /** For tests: where common words start. */
    void commonTextAbove(int matches) {
        this.commonTextAbove = matches;
    }

    private boolean commonText(Connection c, String match) throws SQLException {
        String sql = dialect.textMatchesUpTo();
        if (sql == null) {
            return false;
        }
        return read(
                c,
                sql,
                s -> {
                    s.setString(1, match);
                    s.setInt(2, commonTextAbove + 1);
                },
                rs -> rs.next() && rs.getLong(1) > commonTextAbove);
    }

    public Optional<StoredAlert> find(String uuid) {
        return read(
                        "SELECT a.id, a.at, a.body, a.outputs, a.muted FROM alerts a WHERE a.uuid = ?"
                                + " ORDER BY a.id LIMIT 1",
                        s -> s.setString(1, uuid),
                        AlertStore::alerts)
                .stream()
                .findFirst();
    }

    /** Alerts matching {@code q}, exactly (from the per-minute counts when only priority and time filter). */
    public long count(AlertQuery q) {
        if (MinuteCounts.answers(q, Long.MAX_VALUE)) {
            return on(c -> sum(MinuteCounts.count(c, q, Long.MAX_VALUE)));
        }
        return withText(q, (c, match) -> {
            QuerySql w = QuerySql.of(q, dialect, false, match);
            return read(c, "SELECT count(*) FROM alerts a" + w.where(), s -> w.bind(s, 1), rs -> {
                rs.next();
                return rs.getLong(1);
            });
        });
    }

    /**
     * A search's total: exact up to {@code cap}, else {@code cap} with {@code more} (shown as
     * "more than cap", as search engines do), so that a common word or value over a month of
     * alerts costs at most {@code cap} index entries instead of all of them.
     */
    public record Total(long count, boolean more) {}

    public Total total(AlertQuery q, int cap) {
        if (MinuteCounts.answers(q, Long.MAX_VALUE)) {
            return new Total(count(q), false);
        }
        long n = withText(q, (c, match) -> {
            String first = dialect.matchesFirst();
            boolean byText = match != null && first != null && q.values().isEmpty() && !TextTerms.hasPrefix(match);
            // text and times alone: read the matches as the index lists them, each alert looked up
            // for its time, until the cap; else as the planner chooses. Not for a prefix left as
            // such: FTS5 merges it whole before its first match, and the planner's way was faster
            // (a prefix of 111 words: p99 0.6 s against 3.7 s at 1 M alerts)
            QuerySql w = byText ? QuerySql.of(q.withText(null), dialect) : QuerySql.of(q, dialect, false, match);
            String sql = byText
                    ? "SELECT count(*) FROM (SELECT 1 FROM " + first.formatted(w.andMore()) + " LIMIT ?) capped"
                    : "SELECT count(*) FROM (SELECT 1 FROM alerts a" + w.where() + " LIMIT ?) capped";
            return read(
                    c,
                    sql,
                    s -> {
                        int i = 1;
                        if (byText) {
                            s.setString(i++, match);
                        }
                        s.setLong(w.bind(s, i), cap + 1L);
                    },
                    rs -> {
                        rs.next();
                        return rs.getLong(1);
                    });
        });
        return n > cap ? new Total(cap, true) : new Total(n, false);
    }

    private static long sum(Map<Long, long[]> buckets) {
        long n = 0;
        for (long[] perPriority : buckets.values()) {
            for (long c : perPriority) {
                n += c;
            }
        }
        return n;
    }

    /**
     * Alerts per value of {@code d}, most frequent first, at most {@code top} values; alerts without
     * a value (an empty namespace) are left out. An alert with several tags counts once per tag.
     */
    public Map<String, Long> countBy(AlertQuery q, Dimension d, int top) {
        if (d == Dimension.PRIORITY && MinuteCounts.answers(q, Long.MAX_VALUE)) {
            return byPriority(q, top);
        }
        if (ValueCounts.answers(q, d)) {
            return on(c -> ValueCounts.count(c, q, d, top));
        }
        return countByAlerts(q, d, top);
    }

    /** {@link #countBy} counted over the alerts themselves, whatever filters (and for tests). */
    Map<String, Long> countByAlerts(AlertQuery q, Dimension d, int top) {
        return withText(q, (c, match) -> countBy(c, QuerySql.of(q, dialect, false, match), d, top));
    }

    private Map<String, Long> countBy(Connection c, QuerySql w, Dimension d, int top) throws SQLException {
        String sql = d == Dimension.TAGS
                ? "SELECT t.tag, count(*) FROM alert_tags t JOIN alerts a ON a.id = t.id" + w.where()
                        + " GROUP BY t.tag ORDER BY 2 DESC, 1 LIMIT ?"
                : "SELECT a." + d.column() + ", count(*) FROM alerts a" + w.where() + " GROUP BY a." + d.column()
                        + " ORDER BY 2 DESC, 1 LIMIT ?";
        return read(c, sql, s -> s.setInt(w.bind(s, 1), top + 1), rs -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            while (rs.next() && counts.size() < top) {
                String key = d == Dimension.PRIORITY ? Priority.values()[rs.getInt(1)].falcoName() : rs.getString(1);
                if (!key.isEmpty()) {
                    counts.put(key, rs.getLong(2));
                }
            }
            return counts;
        });
    }

    private Map<String, Long> byPriority(AlertQuery q, int top) {
        long[] perPriority = new long[Priority.values().length];
        on(c -> MinuteCounts.count(c, q, Long.MAX_VALUE)).values().forEach(b -> {
            for (int p = 0; p < b.length; p++) {
                perPriority[p] += b[p];
            }
        });
        // as the SQL orders them: most first, then by priority (its number)
        Map<String, Long> counts = new LinkedHashMap<>();
        java.util.stream.IntStream.range(0, perPriority.length)
                .filter(p -> perPriority[p] > 0)
                .boxed()
                .sorted(java.util.Comparator.<Integer>comparingLong(p -> -perPriority[p])
                        .thenComparing(p -> p))
                .limit(top)
                .forEach(p -> counts.put(Priority.values()[p].falcoName(), perPriority[p]));
        return counts;
    }

    /** One bar of a histogram: alerts of one priority in [start, start + width). */
    public record Bucket(Instant start, Priority priority, long count) {}

    /** Alerts per time bucket of {@code widthMicros} and priority, oldest bucket first; empty buckets absent. */
    public List<Bucket> histogram(AlertQuery q, long widthMicros) {
        if (MinuteCounts.answers(q, widthMicros)) {
            List<Bucket> buckets = new ArrayList<>();
            on(c -> MinuteCounts.count(c, q, widthMicros)).forEach((b, perPriority) -> {
                for (int p = 0; p < perPriority.length; p++) {
                    if (perPriority[p] > 0) {
                        buckets.add(new Bucket(
                                Instant.EPOCH.plusNanos(b * widthMicros * 1000), Priority.values()[p], perPriority[p]));
                    }
                }
            });
            return buckets;
        }
        return withText(q, (c, match) -> histogram(c, QuerySql.of(q, dialect, false, match), widthMicros));
    }

    private static List<Bucket> histogram(Connection c, QuerySql w, long widthMicros) throws SQLException {
        String sql = "SELECT a.at / ?, a.priority, count(*) FROM alerts a" + w.where() + " GROUP BY 1, 2 ORDER BY 1, 2";
        return read(
                c,
                sql,
                s -> {
                    s.setLong(1, widthMicros);
                    w.bind(s, 2);
                },
                rs -> {
                    List<Bucket> buckets = new ArrayList<>();
                    while (rs.next()) {
                        long startMicros = rs.getLong(1) * widthMicros;
                        buckets.add(new Bucket(
                                Instant.EPOCH.plusNanos(startMicros * 1000),
                                Priority.values()[rs.getInt(2)],
                                rs.getLong(3)));
                    }
                    return buckets;
                });
    }

    /** The oldest stored alert's time, if any. */
    public Optional<Instant> oldest() {
        return read("SELECT min(at) FROM alerts", s -> {}, rs -> {
            rs.next();
            long at = rs.getLong(1);
            return rs.wasNull() ? Optional.empty() : Optional.of(Instant.EPOCH.plusNanos(at * 1000));
        });
    }

    /** Bytes in use (what retention keeps under peregrine.ui.retention.max-size). */
    public long usedBytes() {
        return on(dialect::usedBytes);
    }

    static List<StoredAlert> alerts(ResultSet rs) throws SQLException {
        List<StoredAlert> out = new ArrayList<>();
        while (rs.next()) {
            String outputs = rs.getString(4);
            out.add(new StoredAlert(
                    rs.getLong(1),
                    rs.getLong(2),
                    BodyCodec.decode(rs.getBytes(3)),
                    outputs.isEmpty() ? List.of() : Arrays.asList(outputs.split(",")),
                    rs.getString(5)));
        }
        return out;
    }

    interface Binder {
        void bind(PreparedStatement s) throws SQLException;
    }

    interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    interface TextWork<T> {
        /** @param match the query's full-text search as the index answers it fastest; null without one */
        T on(Connection c, String match) throws SQLException;
    }

    /**
     * {@code work} with the full-text query for {@code q}'s text, both in one read transaction: the
     * query names the indexed words it found (SQLite), and the search sees the same index.
     */
    private <T> T withText(AlertQuery q, TextWork<T> work) {
        List<String> words = q.text() == null ? List.of() : SearchText.words(q.text());
        if (words.isEmpty()) {
            return on(c -> work.on(c, null));
        }
        return on(c -> {
            c.setAutoCommit(false);
            try {
                return work.on(c, dialect.textParam(c, words));
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        });
    }

    private <T> T read(String sql, Binder binder, Reader<T> reader) {
        return on(c -> read(c, sql, binder, reader));
    }

    static <T> T read(Connection c, String sql, Binder binder, Reader<T> reader) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            binder.bind(s);
            try (ResultSet rs = s.executeQuery()) {
                return reader.read(rs);
            }
        }
    }

    private <T> T on(Work<T> work) {
        try (Connection c = readers.getConnection()) {
            return work.on(c);
        } catch (SQLException e) {
            throw new StoreException("reading the alert store (" + description + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (writes != null) {
            writes.close();
        }
        if (readers != null) {
            readers.close();
        }
    }
}
