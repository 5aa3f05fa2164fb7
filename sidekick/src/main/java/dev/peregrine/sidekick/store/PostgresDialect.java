package dev.peregrine.sidekick.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * PostgreSQL: full text in a tsvector column of the alert row with a GIN index; ids from a
 * sequence, so several sidekicks can share one database. Its size is the tables' and indexes'
 * size scaled by the share of live rows: space freed by deletes is reused, not returned.
 */
final class PostgresDialect implements Dialect {

    @Override
    public List<String> schema() {
        List<String> s = new ArrayList<>();
        s.add("CREATE SEQUENCE IF NOT EXISTS alerts_id_seq");
        s.addAll(Schema.tables("BIGINT", "BYTEA", ", " + Schema.TEXT_COLUMN + " tsvector NOT NULL", ""));
        s.add("CREATE INDEX IF NOT EXISTS alerts_text ON alerts USING GIN (" + Schema.TEXT_COLUMN + ")");
        return s;
    }

    @Override
    public boolean separateTextTable() {
        return false;
    }

    @Override
    public String textCondition() {
        return "a." + Schema.TEXT_COLUMN + " @@ to_tsquery('simple', ?)";
    }

    @Override
    public String textParam(List<String> words) {
        return words.stream().map(w -> w + ":*").collect(Collectors.joining(" & "));
    }

    @Override
    public String textValue() {
        // without positions, as SQLite's: no phrase search, a smaller index
        return "strip(to_tsvector('simple', ?))";
    }

    @Override
    public long[] reserveIds(Connection c, int n) throws SQLException {
        long[] ids = new long[n];
        try (PreparedStatement p = c.prepareStatement("SELECT nextval('alerts_id_seq') FROM generate_series(1, ?)")) {
            p.setInt(1, n);
            try (ResultSet rs = p.executeQuery()) {
                for (int i = 0; i < n && rs.next(); i++) {
                    ids[i] = rs.getLong(1);
                }
            }
        }
        return ids;
    }

    @Override
    public long usedBytes(Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                        "SELECT coalesce(sum(CASE WHEN n_live_tup + n_dead_tup = 0 THEN pg_total_relation_size(relid)"
                                + " ELSE pg_total_relation_size(relid) * n_live_tup / (n_live_tup + n_dead_tup) END), 0)"
                                + " FROM pg_stat_user_tables"
                                + " WHERE relname IN ('alerts', 'alert_tags') AND schemaname = current_schema()");
                ResultSet rs = p.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Override
    public void reclaim(Connection c) {
        // autovacuum makes the space reusable
    }
}
