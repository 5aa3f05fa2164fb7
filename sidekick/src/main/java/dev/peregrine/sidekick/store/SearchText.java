package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Alert;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What full-text search sees of an alert, and what a search is made of, cut into words the same
 * way for SQLite's FTS5 and PostgreSQL's tsvector: lower case, any run of characters that are not
 * letters or digits separates words. So {@code /etc/shadow} is the words {@code etc shadow} in
 * both, where PostgreSQL's own parser would have kept it as one "file" token.
 */
final class SearchText {
    private static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

    private SearchText() {}

    /** The indexed text: rule, output, hostname, tags and every output field's value. */
    static String of(Alert alert) {
        StringBuilder b = new StringBuilder(alert.output().length() * 2);
        b.append(alert.rule()).append(' ').append(alert.output()).append(' ').append(alert.hostname());
        alert.tags().forEach(t -> b.append(' ').append(t));
        alert.outputFields().values().forEach(v -> {
            if (v instanceof List<?> list) {
                list.forEach(i -> b.append(' ').append(i));
            } else if (v != null) {
                b.append(' ').append(v);
            }
        });
        return normalize(b);
    }

    /**
     * A search, as phrases: one per word the user typed (split at white space), each phrase the
     * words that one is made of. Every phrase must match, its last word as a prefix, so "ngin"
     * finds nginx and "/etc/sha" finds /etc/shadow.
     */
    static List<List<String>> phrases(String query) {
        List<List<String>> phrases = new ArrayList<>();
        for (String typed : query.strip().split("\\s+")) {
            String words = normalize(typed);
            if (!words.isEmpty()) {
                phrases.add(Arrays.asList(words.split(" ")));
            }
        }
        return phrases;
    }

    private static String normalize(CharSequence text) {
        return SEPARATORS.matcher(text).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
    }
}
