package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Priority;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Alerts per value of a rule, source, hostname, tag, container, image, namespace or pod from {@link
 * Schema#VALUE_TABLES} instead of the alerts, for counts by one of them filtered by nothing but
 * priority and time (Falcosidekick-UI's {@code count/:groupby}, the dashboard's top rules, hosts,
 * containers and namespaces). Exact as {@link MinuteCounts} is:
 * the whole hours from the per-hour rows, the whole minutes of the part-hours at the two ends of
 * the range from the per-minute rows, the part-minutes from the alerts, added up and ordered by the
 * database as the count over the alerts orders them.
 */
final class ValueCounts {
    private static final long M = Schema.MINUTE_MICROS;

    /**
     * The dimensions kept per minute: an alert's value of each (of tags, each tag). All but the
     * priority, which {@link Schema#MINUTES} keeps: the page's top containers and namespaces, and
     * counts by image or pod, are read from here as the top rules and hosts are.
     */
    static final Set<Dimension> KEPT = Set.copyOf(EnumSet.complementOf(EnumSet.of(Dimension.PRIORITY)));

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
        List<String> parts = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        range(d, from, until, Schema.VALUE_TABLES.size() - 1, priorities, parts, params);
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

    /**
     * [from, until) (null: unbounded) from the table {@code tier} and finer ones: its whole buckets,
     * the parts at the ends from the next finer table, below the finest from the alerts.
     */
    private static void range(
            Dimension d,
            Long from,
            Long until,
            int tier,
            List<Object> priorities,
            List<String> parts,
            List<Object> params) {
        if (tier < 0) {
            raw(d, from, until, priorities, parts, params);
            return;
        }
        Schema.ValueTable t = Schema.VALUE_TABLES.get(tier);
        long w = t.widthMicros();
        Long first = from == null ? null : Math.ceilDiv(from, w);
        Long end = until == null ? null : Math.floorDiv(until, w);
        if (first != null && end != null && first >= end) {
            range(d, from, until, tier - 1, priorities, parts, params);
            return;
        }
        StringBuilder sql =
                new StringBuilder("SELECT r.value AS v, r.n AS n FROM " + t.name() + " r WHERE r.dimension = ?");
        params.add(d.column());
        if (first != null) {
            sql.append(" AND r.bucket >= ?");
            params.add(first);
        }
        if (end != null) {
            sql.append(" AND r.bucket < ?");
            params.add(end);
        }
        sql.append(in("r.priority", priorities));
        params.addAll(priorities);
        parts.add(sql.toString());
        if (from != null && from < first * w) {
            range(d, from, first * w, tier - 1, priorities, parts, params);
        }
        if (until != null && until > end * w) {
            range(d, end * w, until, tier - 1, priorities, parts, params);
        }
    }

    /** The alerts in [from, until) per value, as a part-minute at an end of the range. */
    private static void raw(
            Dimension d, long from, long until, List<Object> priorities, List<String> parts, List<Object> params) {
        if (d == Dimension.TAGS) {
            // alert_tags is keyed (tag, at, id): each tag of those minutes (their per-minute rows
            // name them) is one index range
            parts.add("SELECT t.tag AS v, count(*) AS n FROM alert_tags t JOIN alerts a ON a.id = t.id"
                    + " WHERE t.tag IN (SELECT r.value FROM "
                    + Schema.VALUE_TABLES.getFirst().name() + " r"
                    + " WHERE r.dimension = 'tags' AND r.bucket >= ? AND r.bucket <= ?) AND t.at >= ? AND t.at < ?"
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
