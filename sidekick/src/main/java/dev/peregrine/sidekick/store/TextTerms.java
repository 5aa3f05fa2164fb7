package dev.peregrine.sidekick.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A search word (a prefix) turned into the indexed words it is a prefix of, read from SQLite's
 * vocabulary of the full-text index ({@link #VOCABULARY}, an {@code fts5vocab} table). FTS5 answers
 * a prefix query by merging every matching word's list of alerts into one list in memory before it
 * returns the first match: a few hundred milliseconds at a million alerts for a word most alerts
 * have, whatever the LIMIT. The same search as exact words ({@code "shell"} for {@code "shell"*}
 * when shell is the only indexed word starting so; {@code ("cmd1" OR "cmd10" OR ...)}) is read
 * lazily, newest id first or from a given id, so a page or a capped count reads only what it
 * returns. The matches are the same: the words are the index's own, all of them.
 *
 * <p>A short prefix stands for many words ({@code cmd1} for 111 at a million alerts), and an OR
 * of that many lists is slow again (0.35-0.45 s for a page and its total). For those the index
 * keeps prefix indexes ({@link #PREFIX_LENGTHS}, FTS5's {@code prefix} option): a list of the
 * alerts per prefix of those lengths, read lazily as one word's. Such a prefix is written bare
 * ({@code cmd1*}); a prefix FTS5 has to merge is written quoted ({@code "cmd"*}) and {@link
 * #hasPrefix} tells them apart.
 */
final class TextTerms {
    /** The fts5vocab table over alert_text, one row per (word, alert): stepped word by word. */
    static final String VOCABULARY = "alert_text_words";

    /**
     * Beyond this many indexed words for one search word, the prefix query instead: an OR of
     * many words costs a seek into each word's list per query, and is no faster than the merge.
     */
    static final int MAX_WORDS = 128;

    /**
     * The prefix lengths (in characters) the full-text index keeps a list for: a search word of one
     * to four characters reads one list. Longer prefixes stand for few words (at a million alerts
     * {@code cmd12} is 11), as exact words. Each length adds about one list entry per alert and
     * distinct prefix (docs/benchmarks.md, "fourth pass").
     */
    static final List<Integer> PREFIX_LENGTHS = List.of(1, 2, 3, 4);

    /** The FTS5 option for {@link #PREFIX_LENGTHS}. */
    static final String PREFIX_OPTION =
            "prefix='" + PREFIX_LENGTHS.stream().map(String::valueOf).collect(Collectors.joining(" ")) + "'";

    private static final Pattern PREFIX_IN_SQL = Pattern.compile("prefix\\s*=\\s*'([0-9 ]*)'");

    private TextTerms() {}

    /**
     * The prefix lengths {@code alert_text} has indexes for, read from its definition: none in a
     * store made before them until {@link TextIndexRebuild} has rebuilt it.
     */
    static Set<Integer> prefixLengths(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT sql FROM sqlite_schema WHERE name = 'alert_text'");
                ResultSet rs = s.executeQuery()) {
            return rs.next() ? prefixLengths(rs.getString(1)) : Set.of();
        }
    }

    /** The lengths of an FTS5 table's {@code prefix} option in its CREATE statement. */
    static Set<Integer> prefixLengths(String createSql) {
        Matcher m = PREFIX_IN_SQL.matcher(createSql == null ? "" : createSql);
        if (!m.find()) {
            return Set.of();
        }
        return Arrays.stream(m.group(1).trim().split(" +"))
                .filter(x -> !x.isEmpty())
                .map(Integer::valueOf)
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The full-text query for {@code words} (each a prefix): each word that is plain ASCII letters
     * and digits as its prefix index when the index has one of its length (bare, {@code cmd1*}),
     * else as its indexed words, the others (and those with more than {@link #MAX_WORDS}) as
     * prefixes. ASCII only, because the index folds case and diacritics (unicode61) and the
     * vocabulary holds folded words: an ASCII word is already folded, so its range of the
     * vocabulary is exactly the words it is a prefix of.
     */
    static String query(Connection c, List<String> words) throws SQLException {
        List<String> parts = new ArrayList<>();
        Set<Integer> prefixIndexes = prefixLengths(c);
        try (PreparedStatement next =
                c.prepareStatement("SELECT term FROM " + VOCABULARY + " WHERE term >= ? AND term < ? LIMIT 1")) {
            for (String w : words) {
                if (plain(w) && prefixIndexes.contains(w.length())) {
                    // plain: no quotes needed, and FTS5's keywords (AND, OR, NOT, NEAR) are upper case
                    parts.add(w + "*");
                    continue;
                }
                List<String> indexed = plain(w) ? indexed(next, w) : null;
                if (indexed == null || indexed.isEmpty()) {
                    // none: the prefix query finds none as fast
                    parts.add(prefix(w));
                } else {
                    parts.add("("
                            + String.join(
                                    " OR ",
                                    indexed.stream().map(TextTerms::exact).toList()) + ")");
                }
            }
        }
        return String.join(" AND ", parts);
    }

    /**
     * Whether {@code query} (from {@link #query}) has a word left as a prefix that FTS5 merges
     * whole (quoted); a bare prefix is read from its prefix index, as one word.
     */
    static boolean hasPrefix(String query) {
        return query.contains("\"*");
    }

    /**
     * Whether {@code query} (from {@link #query}) asks for one list per search word (an indexed
     * word or a prefix index): no merged prefix and no OR of several words. A chunk of the time index checked against an OR of
     * words costs a seek into each word's list: at 1 M alerts a search word that became 11
     * indexed words took 1.3 s through the chunks, 0.3 s through the planner's way.
     */
    static boolean oneWordEach(String query) {
        return !hasPrefix(query) && !query.contains(" OR ");
    }

    static String prefix(String word) {
        return exact(word) + "*";
    }

    private static String exact(String word) {
        return "\"" + word.replace("\"", "\"\"") + "\"";
    }

    /** Lower-case ASCII letters and digits only (as {@link SearchText} lower-cased them). */
    static boolean plain(String w) {
        return !w.isEmpty() && w.chars().allMatch(ch -> (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
    }

    /** The indexed words starting with {@code w}, or null when there are more than {@link #MAX_WORDS}. */
    private static List<String> indexed(PreparedStatement next, String w) throws SQLException {
        // every word starting with w sorts from w to w with its last character one higher (ASCII)
        String end = w.substring(0, w.length() - 1) + (char) (w.charAt(w.length() - 1) + 1);
        List<String> found = new ArrayList<>();
        // the first word from w, then each next one: one seek per word, not a row per alert. The
        // next word is asked as "term >= word + U+0001" (no indexed word holds U+0000), never as
        // "term > word": fts5vocab seeks to >= and SQLite then steps over every alert of the word.
        String from = w;
        while (found.size() <= MAX_WORDS) {
            next.setString(1, from);
            next.setString(2, end);
            String term;
            try (ResultSet rs = next.executeQuery()) {
                if (!rs.next()) {
                    return found;
                }
                term = rs.getString(1);
            }
            if (!term.startsWith(w)) {
                return found;
            }
            found.add(term);
            from = term + "\u0001";
        }
        return null;
    }
}
