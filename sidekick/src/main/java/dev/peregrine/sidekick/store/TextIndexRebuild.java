package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.AlertJson;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * SQLite's full-text index made again for a store made before its prefix indexes ({@link
 * TextTerms#PREFIX_LENGTHS}): FTS5 cannot add them to an existing table, and the table is
 * contentless, so each alert's words are made again from its stored body. Done by the store's
 * writer before its first batch, in slices of {@link #SLICE} alerts into {@link #NEXT}, each slice
 * its own transaction; between slices the writer stores what has queued, into both tables. The
 * old table answers searches until the last step swaps the new one in (one transaction), so an
 * older store keeps working throughout. A rebuild cut short (the sidekick stopped) starts again at
 * the next start.
 */
final class TextIndexRebuild {
    /** The new index while it is being filled. */
    static final String NEXT = "alert_text_next";

    static final int SLICE = 5_000;

    private TextIndexRebuild() {}

    /** Whether {@code alert_text} lacks the prefix indexes this version keeps. */
    static boolean needed(Connection c) throws SQLException {
        return !TextTerms.prefixLengths(c).equals(Set.copyOf(TextTerms.PREFIX_LENGTHS));
    }

    /** Creates {@link #NEXT} empty (dropping what a rebuild cut short left) and returns its insert. */
    static PreparedStatement begin(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + NEXT);
            s.execute(SqliteDialect.createText(NEXT));
        }
        return c.prepareStatement("INSERT INTO " + NEXT + "(rowid, body) VALUES(?, ?)");
    }

    /**
     * Indexes the alerts with ids up to {@code last} into {@code next}, oldest first, {@code slice} per
     * transaction, {@code between} after each (false: stop, the sidekick is closing). Returns how
     * many were indexed, or -1 when stopped.
     */
    static long copy(Connection c, PreparedStatement next, long last, int slice, BooleanSupplier between)
            throws SQLException {
        long after = 0;
        long n = 0;
        try (PreparedStatement read =
                c.prepareStatement("SELECT id, body FROM alerts WHERE id > ? AND id <= ? ORDER BY id LIMIT ?")) {
            while (true) {
                c.setAutoCommit(false);
                int got = 0;
                read.setLong(1, after);
                read.setLong(2, last);
                read.setInt(3, slice);
                try (ResultSet rs = read.executeQuery()) {
                    while (rs.next()) {
                        after = rs.getLong(1);
                        next.setLong(1, after);
                        next.setString(2, words(rs.getBytes(2)));
                        next.addBatch();
                        got++;
                    }
                }
                next.executeBatch();
                c.commit();
                c.setAutoCommit(true);
                n += got;
                if (got < slice) {
                    return n;
                }
                if (!between.getAsBoolean()) {
                    return -1;
                }
            }
        }
    }

    /** The words of a stored body, as the writer made them when it stored the alert. */
    static String words(byte[] stored) {
        byte[] json = BodyCodec.decode(stored).getBytes(StandardCharsets.UTF_8);
        // the time is in every stored body; the supplier is for alerts without one
        return SearchText.of(AlertJson.read(json, () -> Instant.EPOCH));
    }

    /** Swaps {@link #NEXT} in for {@code alert_text}, with its vocabulary, in one transaction. */
    static void finish(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TextTerms.VOCABULARY);
            s.execute("DROP TABLE alert_text");
            s.execute("ALTER TABLE " + NEXT + " RENAME TO alert_text");
            s.execute(SqliteDialect.createVocabulary());
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
