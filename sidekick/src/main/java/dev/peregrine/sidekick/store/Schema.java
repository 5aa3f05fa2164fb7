package dev.peregrine.sidekick.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The store's tables, the same in SQLite and PostgreSQL. One row per alert with a column per
 * {@link Dimension} and an index on (column, time) for each, so a filtered page newest-first and a
 * count per value read an index range; tags, several per alert, in a table of their own keyed
 * (tag, time, id). The alert itself is kept as the sidekick spooled it ({@code body}, compressed
 * by {@link BodyCodec}).
 */
final class Schema {
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
     * @param tagsTableOptions after the tags table's definition (SQLite: WITHOUT ROWID)
     */
    static List<String> tables(String idType, String bodyType, String extraColumns, String tagsTableOptions) {
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
            if (d != Dimension.TAGS) {
                s.add("CREATE INDEX IF NOT EXISTS alerts_" + d.column() + " ON alerts(" + d.column() + ", at)");
            }
        }
        s.add("CREATE TABLE IF NOT EXISTS alert_tags(tag TEXT NOT NULL, at BIGINT NOT NULL, id " + idType
                + " NOT NULL, PRIMARY KEY(tag, at, id))" + tagsTableOptions);
        return s;
    }
}
