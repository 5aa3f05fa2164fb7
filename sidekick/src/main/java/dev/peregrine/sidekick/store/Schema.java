package dev.peregrine.sidekick.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The store's tables, the same in SQLite and PostgreSQL. One row per alert with a column per
 * {@link Dimension} and an index on (column, time, priority) for each, so a filtered page
 * newest-first reads an index range, and a count of one value, with or without a priority filter,
 * reads that index alone; tags, several per alert, in a table of their own keyed (tag, time, id).
 * The alert itself is kept as the sidekick spooled it ({@code body}, compressed by {@link
 * BodyCodec}). Beside them, {@link #MINUTES}: alerts per minute and priority, which the writer and
 * retention keep in step with the alerts, so counts and histograms over hours and days read a few
 * thousand rows instead of an index entry per alert.
 */
final class Schema {
    /** Alerts per (minute, priority): {@code minute} is {@code at / MINUTE_MICROS}, {@code n} how many. */
    static final String MINUTES = "alert_minutes";

    static final long MINUTE_MICROS = 60_000_000L;

    static final long HOUR_MICROS = 60 * MINUTE_MICROS;

    /**
     * A table of alerts per (dimension, bucket, value, priority) for the dimensions of {@link
     * ValueCounts#KEPT}: {@code dimension} is the {@link Dimension#column()}, {@code value} a rule,
     * source, hostname, tag, container, image, namespace or pod, {@code bucket} the time divided by
     * {@code widthMicros}. Kept like {@link #MINUTES}.
     */
    record ValueTable(String name, long widthMicros) {}

    /** Per minute, then per hour (so that a day reads 24 rows per value, not 1,440), finest first. */
    static final List<ValueTable> VALUE_TABLES = List.of(
            new ValueTable("alert_values_per_minute", MINUTE_MICROS),
            new ValueTable("alert_values_per_hour", HOUR_MICROS));

    /** PostgreSQL's tsvector column; SQLite keeps text in its FTS5 table. */
    static final String TEXT_COLUMN = "words";

    /** The alerts table's columns as inserted, in order. */
    static final List<String> COLUMNS = List.of(
            "id",
            "uuid",
            "at",
            "priority",
            "rule",
            "source",
            "hostname",
            "container",
            "image",
            "namespace",
            "pod",
            "tags",
            "outputs",
            "muted",
            "body");

    private Schema() {}

    /**
     * @param idType the id column's type (64-bit integer)
     * @param bodyType the body column's type (bytes)
     * @param extraColumns appended to the alerts table's column list
     * @param keyedTableOptions after the definition of the tables keyed by their primary key (SQLite: WITHOUT ROWID)
     */
    static List<String> tables(String idType, String bodyType, String extraColumns, String keyedTableOptions) {
        List<String> s = new ArrayList<>();
        s.add("CREATE TABLE IF NOT EXISTS alerts(id " + idType + " PRIMARY KEY, uuid TEXT NOT NULL,"
                + " at BIGINT NOT NULL, priority SMALLINT NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL,"
                + " hostname TEXT NOT NULL, container TEXT NOT NULL, image TEXT NOT NULL, namespace TEXT NOT NULL,"
                + " pod TEXT NOT NULL, tags TEXT NOT NULL, outputs TEXT NOT NULL, muted TEXT, body " + bodyType
                + " NOT NULL"
                + extraColumns + ")");
        // with the priority: counts by priority and the histogram over a time range read this index alone
        s.add("CREATE INDEX IF NOT EXISTS alerts_at ON alerts(at, priority)");
        s.add("CREATE INDEX IF NOT EXISTS alerts_uuid ON alerts(uuid)");
        for (Dimension d : Dimension.values()) {
            if (d == Dimension.PRIORITY) {
                s.add("CREATE INDEX IF NOT EXISTS alerts_priority ON alerts(priority, at)");
            } else if (d != Dimension.TAGS) {
                // replaces the (column, at) index of stores made before the priority was added
                s.add("DROP INDEX IF EXISTS alerts_" + d.column());
                s.add("CREATE INDEX IF NOT EXISTS alerts_" + d.column() + "_at_priority ON alerts(" + d.column()
                        + ", at, priority)");
            }
        }
        s.add("CREATE TABLE IF NOT EXISTS alert_tags(tag TEXT NOT NULL, at BIGINT NOT NULL, id " + idType
                + " NOT NULL, PRIMARY KEY(tag, at, id))" + keyedTableOptions);
        s.add("CREATE TABLE IF NOT EXISTS " + MINUTES + "(minute BIGINT NOT NULL, priority SMALLINT NOT NULL,"
                + " n BIGINT NOT NULL, PRIMARY KEY(minute, priority))" + keyedTableOptions);
        // a store made before the counts existed: counted once, when they are still empty
        s.add("INSERT INTO " + MINUTES + "(minute, priority, n) SELECT a.at / " + MINUTE_MICROS + ", a.priority,"
                + " count(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM " + MINUTES + ")"
                + " GROUP BY a.at / " + MINUTE_MICROS + ", a.priority ON CONFLICT DO NOTHING");
        for (ValueTable t : VALUE_TABLES) {
            s.add("CREATE TABLE IF NOT EXISTS " + t.name() + "(dimension TEXT NOT NULL, bucket BIGINT NOT NULL,"
                    + " value TEXT NOT NULL, priority SMALLINT NOT NULL, n BIGINT NOT NULL,"
                    + " PRIMARY KEY(dimension, bucket, value, priority))" + keyedTableOptions);
            // a store made before these counts existed: counted once per dimension, while it has none
            for (Dimension d : ValueCounts.KEPT.stream().sorted().toList()) {
                String none =
                        " WHERE NOT EXISTS (SELECT 1 FROM " + t.name() + " WHERE dimension = '" + d.column() + "')";
                String bucket = (d == Dimension.TAGS ? "t" : "a") + ".at / " + t.widthMicros();
                s.add("INSERT INTO " + t.name() + "(dimension, bucket, value, priority, n) "
                        + (d == Dimension.TAGS
                                ? "SELECT 'tags', " + bucket + ", t.tag, a.priority, count(*)"
                                        + " FROM alert_tags t JOIN alerts a ON a.id = t.id" + none + " GROUP BY "
                                        + bucket + ", t.tag, a.priority"
                                : "SELECT '" + d.column() + "', " + bucket + ", a." + d.column()
                                        + ", a.priority, count(*) FROM alerts a" + none + " GROUP BY " + bucket
                                        + ", a." + d.column() + ", a.priority")
                        + " ON CONFLICT DO NOTHING");
            }
        }
        return s;
    }
}
