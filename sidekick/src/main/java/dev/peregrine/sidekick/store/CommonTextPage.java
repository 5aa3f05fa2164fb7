package dev.peregrine.sidekick.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A page of a search for common words (SQLite): the alerts matching every other filter are read
 * newest first through their indexes in chunks, and each chunk is checked against the full-text
 * index in one query over the chunk's range of ids ({@link Dialect#textMatchesBetween}). For a word
 * in a tenth of the alerts a page of 50 reads about 500 alerts' index entries and one range of the
 * word's list, where the plan through the matches reads and sorts all of them. Ids are given in
 * the order alerts are stored, which is about their time order: a chunk's range holds little more
 * than the chunk. (Alerts stored long after their time widen it; the answer is the same, slower.)
 */
final class CommonTextPage {
    /** Alerts in the first chunk; each next one twice as many, up to {@link #LAST_CHUNK}. */
    static final int FIRST_CHUNK = 512;

    static final int LAST_CHUNK = 16_384;

    private CommonTextPage() {}

    /** As {@link AlertStore#search}: {@code limit} alerts after {@code cursor} (else {@code offset} skipped). */
    static List<StoredAlert> newest(
            Connection c, Dialect dialect, AlertQuery q, String match, Cursor cursor, int offset, int limit)
            throws SQLException {
        AlertQuery others = q.withText(null);
        List<Long> found = new ArrayList<>();
        int skip = offset;
        Cursor after = cursor;
        int chunk = FIRST_CHUNK;
        try (PreparedStatement matches = c.prepareStatement(dialect.textMatchesBetween())) {
            while (found.size() < limit) {
                QuerySql w = QuerySql.of(others, dialect).after(after);
                long[][] rows = ids(c, w, chunk);
                long[] ids = rows[0];
                int n = ids.length;
                if (n == 0) {
                    break;
                }
                long low = Long.MAX_VALUE;
                long high = Long.MIN_VALUE;
                for (long id : ids) {
                    low = Math.min(low, id);
                    high = Math.max(high, id);
                }
                Set<Long> matching = matching(matches, match, low, high);
                for (int i = 0; i < n && found.size() < limit; i++) {
                    if (matching.contains(ids[i])) {
                        if (skip > 0) {
                            skip--;
                        } else {
                            found.add(ids[i]);
                        }
                    }
                }
                if (n < chunk) {
                    break;
                }
                after = new Cursor(rows[1][n - 1], ids[n - 1]);
                chunk = Math.min(chunk * 2, LAST_CHUNK);
            }
        }
        return rows(c, found);
    }

    /** The next {@code chunk} alerts' ids and times, newest first. */
    private static long[][] ids(Connection c, QuerySql w, int chunk) throws SQLException {
        return AlertStore.read(
                c,
                "SELECT a.id, a.at FROM alerts a" + w.where() + " ORDER BY a.at DESC, a.id DESC LIMIT ?",
                s -> s.setInt(w.bind(s, 1), chunk),
                rs -> {
                    long[] ids = new long[chunk];
                    long[] ats = new long[chunk];
                    int n = 0;
                    while (rs.next()) {
                        ids[n] = rs.getLong(1);
                        ats[n++] = rs.getLong(2);
                    }
                    return new long[][] {java.util.Arrays.copyOf(ids, n), java.util.Arrays.copyOf(ats, n)};
                });
    }

    private static Set<Long> matching(PreparedStatement matches, String match, long low, long high)
            throws SQLException {
        matches.setString(1, match);
        matches.setLong(2, low);
        matches.setLong(3, high);
        Set<Long> ids = new HashSet<>();
        try (ResultSet rs = matches.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** The alerts of {@code ids}, in that order. */
    private static List<StoredAlert> rows(Connection c, List<Long> ids) throws SQLException {
        Map<Long, StoredAlert> byId = new HashMap<>();
        // in slices: SQLite takes at most 32,766 parameters
        for (int from = 0; from < ids.size(); from += 1000) {
            List<Long> slice = ids.subList(from, Math.min(ids.size(), from + 1000));
            AlertStore.read(
                            c,
                            "SELECT a.id, a.at, a.body, a.outputs, a.muted FROM alerts a WHERE a.id IN ("
                                    + "?,".repeat(slice.size() - 1) + "?)",
                            s -> {
                                for (int i = 0; i < slice.size(); i++) {
                                    s.setLong(i + 1, slice.get(i));
                                }
                            },
                            AlertStore::alerts)
                    .forEach(a -> byId.put(a.id(), a));
        }
        return ids.stream().map(byId::get).toList();
    }
}
