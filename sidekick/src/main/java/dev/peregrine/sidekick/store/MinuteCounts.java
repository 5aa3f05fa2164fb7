package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Priority;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts per time bucket and priority from {@link Schema#MINUTES} instead of the alerts, for the
 * queries that filter by nothing but priority and time (the dashboard's histogram and summary,
 * counts by priority, the unfiltered total). Exact: the whole minutes inside the time range come
 * from the per-minute counts, the part-minutes at its two ends from the alerts themselves (an
 * index range of at most a minute each).
 */
final class MinuteCounts {
    private static final long M = Schema.MINUTE_MICROS;

    private MinuteCounts() {}

    /**
     * Whether {@code q} can be counted here with buckets of {@code widthMicros}: only priority and
     * time filters, no times before 1970 (minutes are {@code at / M}, truncated), whole minutes.
     */
    static boolean answers(AlertQuery q, long widthMicros) {
        return q.text() == null
                && q.muted() == null
                && q.values().keySet().stream().allMatch(d -> d == Dimension.PRIORITY)
                && (q.from() == null || q.from().getEpochSecond() >= 0)
                && (q.until() == null || q.until().getEpochSecond() >= 0)
                && widthMicros > 0
                && (widthMicros == Long.MAX_VALUE || widthMicros % M == 0);
    }

    /** Alerts per bucket ({@code at / widthMicros}) and priority ordinal; {@code Long.MAX_VALUE}: one bucket, 0. */
    static Map<Long, long[]> count(Connection c, AlertQuery q, long widthMicros) throws SQLException {
        Long from = q.from() == null ? null : QuerySql.micros(q.from());
        Long until = q.until() == null ? null : QuerySql.micros(q.until());
        List<Object> priorities = new ArrayList<>();
        q.of(Dimension.PRIORITY).forEach(p -> priorities.add(Priority.parse(p).ordinal()));
        Map<Long, long[]> counts = new TreeMap<>();
        Long firstWhole = from == null ? null : Math.ceilDiv(from, M);
        Long endWhole = until == null ? null : until / M;
        if (firstWhole != null && endWhole != null && firstWhole >= endWhole) {
            add(c, counts, raw(from, until, priorities, widthMicros));
            return counts;
        }
        add(c, counts, whole(firstWhole, endWhole, priorities, widthMicros));
        if (from != null && from < firstWhole * M) {
            add(c, counts, raw(from, firstWhole * M, priorities, widthMicros));
        }
        if (until != null && until > endWhole * M) {
            add(c, counts, raw(endWhole * M, until, priorities, widthMicros));
        }
        return counts;
    }

    private record Part(String sql, List<Object> params) {}

    private static Part raw(long from, long until, List<Object> priorities, long width) {
        List<Object> p = new ArrayList<>(List.of(width, from, until));
        p.addAll(priorities);
        return new Part(
                "SELECT a.at / ?, a.priority, count(*) FROM alerts a WHERE a.at >= ? AND a.at < ?"
                        + in("a.priority", priorities) + " GROUP BY 1, 2",
                p);
    }

    private static Part whole(Long firstMinute, Long endMinute, List<Object> priorities, long width) {
        // a bucket of width (a whole number of minutes) holds the whole minute: m * M / width
        List<Object> p = new ArrayList<>(List.of(M, width));
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        if (firstMinute != null) {
            where.append(" AND m.minute >= ?");
            p.add(firstMinute);
        }
        if (endMinute != null) {
            where.append(" AND m.minute < ?");
            p.add(endMinute);
        }
        p.addAll(priorities);
        return new Part(
                "SELECT m.minute * ? / ?, m.priority, sum(m.n) FROM " + Schema.MINUTES + " m" + where
                        + in("m.priority", priorities) + " GROUP BY 1, 2",
                p);
    }

    private static String in(String column, List<Object> values) {
        return values.isEmpty() ? "" : " AND " + column + " IN (" + "?,".repeat(values.size() - 1) + "?)";
    }

    private static void add(Connection c, Map<Long, long[]> counts, Part part) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(part.sql())) {
            int i = 1;
            for (Object p : part.params()) {
                s.setObject(i++, p);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long n = rs.getLong(3);
                    if (n > 0) {
                        counts.computeIfAbsent(rs.getLong(1), b -> new long[Priority.values().length])[rs.getInt(2)] +=
                                n;
                    }
                }
            }
        }
    }
}
