package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Priority;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Alerts per value of a rule, source, hostname or tag from {@link Schema#VALUE_MINUTES} instead of
 * the alerts, for counts by one of them filtered by nothing but priority and time (Falcosidekick-UI's
 * {@code count/:groupby}, the dashboard's top rules and hosts). Exact as {@link MinuteCounts} is:
 * the whole minutes from the per-minute rows, the part-minutes at the two ends of the range from
 * the alerts, added up and ordered by the database as the count over the alerts orders them.
 */
final class ValueCounts {
    private static final long M = Schema.MINUTE_MICROS;

    /** The dimensions kept per minute: an alert's value of each (of tags, each tag). */
    static final Set<Dimension> KEPT = Set.of(Dimension.RULE, Dimension.SOURCE, Dimension.HOSTNAME, Dimension.TAGS);

    private ValueCounts() {}

    /** Whether alerts of {@code q} per value of {@code d} can be counted here. */
    static boolean answers(AlertQuery q, Dimension d) {
        return KEPT.contains(d) && MinuteCounts.answers(q, Long.MAX_VALUE);
    }

    /** As {@link AlertStore#countBy}: at most {@code top} values, most alerts first, empty values left out. */
    static Map<String, Long> count(Connection c, AlertQuery q, Dimension d, int top) throws SQLException {
        Long from = q.from() == null ? null : QuerySql.micros(q.from());
        Long until = q.until() == null ? null : QuerySql.micros(q.until());
        List<Object> priorities = new ArrayList<>();
        q.of(Dimension.PRIORITY).forEach(p -> priorities.add(Priority.parse(p).ordinal()));
        Long firstWhole = from == null ? null : Math.ceilDiv(from, M);
        Long endWhole = until == null ? null : until / M;
        List<String> parts = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (firstWhole != null && endWhole != null && firstWhole >= endWhole) {
            raw(d, from, until, priorities, parts, params);
        } else {
            StringBuilder sql = new StringBuilder(
                    "SELECT r.value AS v, r.n AS n FROM " + Schema.VALUE_MINUTES + " r WHERE r.dimension = ?");
            params.add(d.column());
            if (firstWhole != null) {
                sql.append(" AND r.minute >= ?");
                params.add(firstWhole);
            }
            if (endWhole != null) {
                sql.append(" AND r.minute < ?");
                params.add(endWhole);
            }
            sql.append(in("r.priority", priorities));
            params.addAll(priorities);
            parts.add(sql.toString());
            if (from != null && from < firstWhole * M) {
                raw(d, from, firstWhole * M, priorities, parts, params);
            }
            if (until != null && until > endWhole * M) {
                raw(d, endWhole * M, until, priorities, parts, params);
            }
        }
        String sql = "SELECT x.v, sum(x.n) FROM (" + String.join(" UNION ALL ", parts)
                + ") x GROUP BY x.v ORDER BY 2 DESC, 1 LIMIT ?";
        params.add(top + 1);
        return AlertStore.read(
                c,
                sql,
                s -> {
                    int i = 1;
                    for (Object p : params) {
                        s.setObject(i++, p);
                    }
                },
                rs -> {
                    Map<String, Long> counts = new LinkedHashMap<>();
                    while (rs.next() && counts.size() < top) {
                        String key = rs.getString(1);
                        if (!key.isEmpty()) {
                            counts.put(key, rs.getLong(2));
                        }
                    }
                    return counts;
                });
    }

    /** The alerts in [from, until) per value, as the part-minute at an end of the range. */
    private static void raw(
            Dimension d, long from, long until, List<Object> priorities, List<String> parts, List<Object> params) {
        if (d == Dimension.TAGS) {
            // alert_tags is keyed (tag, at, id): each tag of those minutes (their per-minute rows
            // name them) is one index range
            parts.add("SELECT t.tag AS v, count(*) AS n FROM alert_tags t JOIN alerts a ON a.id = t.id"
                    + " WHERE t.tag IN (SELECT r.value FROM " + Schema.VALUE_MINUTES + " r WHERE r.dimension = 'tags'"
                    + " AND r.minute >= ? AND r.minute <= ?) AND t.at >= ? AND t.at < ?"
                    + in("a.priority", priorities) + " GROUP BY t.tag");
            params.add(from / M);
            params.add((until - 1) / M);
        } else {
            parts.add("SELECT a." + d.column() + " AS v, count(*) AS n FROM alerts a WHERE a.at >= ? AND a.at < ?"
                    + in("a.priority", priorities) + " GROUP BY a." + d.column());
        }
        params.add(from);
        params.add(until);
        params.addAll(priorities);
    }

    private static String in(String column, List<Object> values) {
        return values.isEmpty() ? "" : " AND " + column + " IN (" + "?,".repeat(values.size() - 1) + "?)";
    }
}
