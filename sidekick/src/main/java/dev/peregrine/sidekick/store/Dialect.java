package dev.peregrine.sidekick.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Where SQLite and PostgreSQL differ for the store: full-text search, id assignment and size. The
 * rest of its SQL ({@link Schema}, {@link QuerySql}) is common to both.
 */
interface Dialect {

    /** Statements that create what is missing (tables, indexes), in order; safe to run again. */
    List<String> schema();

    /**
     * Fills the full-text index for one alert inside the insert's transaction, or returns false
     * when the alert row's own {@link Schema#TEXT_COLUMN} holds it.
     */
    boolean separateTextTable();

    /** SQL that is true for alerts whose text matches the one parameter {@link #textParam} gives. */
    String textCondition();

    /**
     * {@link #textCondition} for words so common that a newest-first page is found sooner through
     * the time index (checking each alert against the matches) than through the matches (each
     * looked up, all sorted by time). The same when the engine's planner weighs that itself.
     */
    default String commonTextCondition() {
        return textCondition();
    }

    /**
     * SQL counting the alerts whose text matches (the {@link #textParam}), stopping at the second
     * parameter; null when {@link #commonTextCondition} is {@link #textCondition} anyway.
     */
    default String textMatchesUpTo() {
        return null;
    }

    /** The full-text query for {@link SearchText#words}: every word, as a prefix. */
    String textParam(List<String> words);

    /**
     * {@link #textParam} as the index answers it fastest, read on {@code c} in the transaction the
     * search then runs in (so it sees the same words): the same matches.
     */
    default String textParam(Connection c, List<String> words) throws SQLException {
        return textParam(words);
    }

    /**
     * FROM, WHERE and ORDER BY joining the alerts to their text's matches of a parameter, newest
     * id first as the full-text index lists them; {@code %s} is where more conditions go (" AND
     * ..."). Null when the planner is left to choose.
     */
    default String matchesFirst() {
        return null;
    }

    /**
     * SQL selecting the ids of alerts whose text matches the first parameter, among ids from the
     * second to the third parameter (inclusive); null when the engine has no such cheap range.
     */
    default String textMatchesBetween() {
        return null;
    }

    /** The placeholder for the text column's value in the alerts insert. */
    String textValue();

    /** {@code n} unused ids for new alerts, on the writer's connection. */
    long[] reserveIds(Connection c, int n) throws SQLException;

    /** Bytes the store occupies, free space that it will reuse left out. */
    long usedBytes(Connection c) throws SQLException;

    /** After deleting alerts, on the writer's connection outside a transaction: give space back. */
    void reclaim(Connection c) throws SQLException;
}
