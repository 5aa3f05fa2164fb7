package dev.peregrine.sidekick.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * SQLite: full text in a contentless FTS5 table ({@code alert_text}, rowid = alert id): the words
 * are indexed but the text is not stored twice, and {@code contentless_delete} lets retention
 * delete from it. One sidekick writes the file, so ids are counted in memory.
 */
final class SqliteDialect implements Dialect {
    private long nextId = -1; // writer thread only

    @Override
    public List<String> schema() {
        List<String> s = new ArrayList<>();
        // Before the first table, or it has no effect: lets retention hand freed pages back.
        s.add("PRAGMA auto_vacuum=INCREMENTAL");
        s.addAll(Schema.tables("INTEGER", "BLOB", "", " WITHOUT ROWID"));
        // a store made before the prefix indexes keeps its alert_text until TextIndexRebuild replaces it
        s.add(createText("alert_text"));
        s.add(createVocabulary());
        return s;
    }

    /**
     * The full-text table {@code name}. Each distinct word once per alert, without positions
     * (detail=none): a search is words that must all occur, no phrases, so positions would only
     * double the index. With prefix indexes ({@link TextTerms#PREFIX_LENGTHS}) for short prefixes.
     */
    static String createText(String name) {
        return "CREATE VIRTUAL TABLE IF NOT EXISTS " + name + " USING fts5(body, content='', contentless_delete=1,"
                + " detail=none, tokenize='unicode61 remove_diacritics 2', " + TextTerms.PREFIX_OPTION + ")";
    }

    /** Its vocabulary, for searches by prefix (TextTerms): read on demand, nothing stored. */
    static String createVocabulary() {
        return "CREATE VIRTUAL TABLE IF NOT EXISTS " + TextTerms.VOCABULARY + " USING fts5vocab(alert_text, instance)";
    }

    @Override
    public boolean separateTextTable() {
        return true;
    }

    @Override
    public String textCondition() {
        return "a.id IN (SELECT rowid FROM alert_text WHERE alert_text MATCH ?)";
    }

    /** The unary + keeps SQLite from using a.id (the matches) to find rows: it goes by time. */
    @Override
    public String commonTextCondition() {
        return "+" + textCondition();
    }

    @Override
    public String textMatchesUpTo() {
        return "SELECT count(*) FROM (SELECT 1 FROM alert_text WHERE alert_text MATCH ? LIMIT ?) matches";
    }

    @Override
    public String textParam(List<String> words) {
        return words.stream().map(TextTerms::prefix).collect(Collectors.joining(" AND "));
    }

    @Override
    public String textParam(Connection c, List<String> words) throws SQLException {
        return TextTerms.query(c, words);
    }

    /**
     * CROSS JOIN: SQLite keeps the order as written, the index's matches first; newest first (ids
     * follow the order alerts were stored in), so a capped count of recent alerts in a store of
     * many days stops before it reaches the old ones.
     */
    @Override
    public String matchesFirst() {
        return "alert_text t CROSS JOIN alerts a WHERE t.alert_text MATCH ? AND a.id = t.rowid%s"
                + " ORDER BY t.rowid DESC";
    }

    @Override
    public String textMatchesBetween() {
        return "SELECT rowid FROM alert_text WHERE alert_text MATCH ? AND rowid BETWEEN ? AND ?";
    }

    @Override
    public String textValue() {
        throw new UnsupportedOperationException("SQLite keeps text in alert_text");
    }

    @Override
    public long[] reserveIds(Connection c, int n) throws SQLException {
        if (nextId < 0) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM alerts")) {
                rs.next();
                nextId = rs.getLong(1) + 1;
            }
        }
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = nextId++;
        }
        return ids;
    }

    @Override
    public long usedBytes(Connection c) throws SQLException {
        return (pragma(c, "page_count") - pragma(c, "freelist_count")) * pragma(c, "page_size");
    }

    @Override
    public void reclaim(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA incremental_vacuum");
        }
    }

    /** Rolls back a reservation whose batch failed, so ids stay dense. */
    void forget() {
        nextId = -1;
    }

    private static long pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
