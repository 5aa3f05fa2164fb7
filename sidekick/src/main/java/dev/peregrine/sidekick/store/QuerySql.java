package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Priority;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The WHERE clause of an {@link AlertQuery} over {@code alerts a}, and its parameters in order. */
final class QuerySql {
    private final List<String> conditions = new ArrayList<>();
    private final List<Object> params = new ArrayList<>();

    static QuerySql of(AlertQuery q, Dialect dialect) {
        return of(q, dialect, false, null);
    }

    /**
     * @param commonText the text is common: {@link Dialect#commonTextCondition}
     * @param match the full-text query for the text, {@link Dialect#textParam(java.sql.Connection, List)}
     *     (null: {@link Dialect#textParam(List)})
     */
    static QuerySql of(AlertQuery q, Dialect dialect, boolean commonText, String match) {
        QuerySql w = new QuerySql();
        for (Map.Entry<Dimension, Set<String>> e : q.values().entrySet()) {
            Dimension d = e.getKey();
            List<Object> values = new ArrayList<>(e.getValue());
            if (d == Dimension.PRIORITY) {
                values.replaceAll(p -> Priority.parse((String) p).ordinal());
            }
            String in = "IN (" + "?,".repeat(values.size() - 1) + "?)";
            if (d == Dimension.TAGS) {
                w.and(
                        "EXISTS (SELECT 1 FROM alert_tags t WHERE t.tag " + in + " AND t.at = a.at AND t.id = a.id)",
                        values);
            } else {
                w.and("a." + d.column() + " " + in, values);
            }
        }
        if (q.text() != null) {
            List<String> words = SearchText.words(q.text());
            if (!words.isEmpty()) {
                w.and(
                        commonText ? dialect.commonTextCondition() : dialect.textCondition(),
                        List.of(match != null ? match : dialect.textParam(words)));
            }
        }
        if (q.from() != null) {
            w.and("a.at >= ?", List.of(micros(q.from())));
        }
        if (q.until() != null) {
            w.and("a.at < ?", List.of(micros(q.until())));
        }
        if (q.muted() != null) {
            w.and(q.muted() ? "a.muted IS NOT NULL" : "a.muted IS NULL", List.of());
        }
        return w;
    }

    static long micros(java.time.Instant t) {
        return TimeUnit.SECONDS.toMicros(t.getEpochSecond()) + t.getNano() / 1000;
    }

    /** Newest first, strictly after {@code c}. */
    QuerySql after(Cursor c) {
        if (c != null) {
            and("(a.at < ? OR (a.at = ? AND a.id < ?))", List.of(c.atMicros(), c.atMicros(), c.id()));
        }
        return this;
    }

    void and(String condition, List<?> values) {
        conditions.add(condition);
        params.addAll(values);
    }

    /** " AND ..." or "": the conditions after others. */
    String andMore() {
        return conditions.isEmpty() ? "" : " AND " + String.join(" AND ", conditions);
    }

    /** " WHERE ..." or "". */
    String where() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** Binds the parameters from index {@code first} on; returns the next free index. */
    int bind(PreparedStatement s, int first) throws SQLException {
        int i = first;
        for (Object p : params) {
            s.setObject(i++, p);
        }
        return i;
    }
}
