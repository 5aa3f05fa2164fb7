package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Alert;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What full-text search sees of an alert, and what a search is made of, cut into words the same
 * way for SQLite's FTS5 and PostgreSQL's tsvector: lower case, any run of characters that are not
 * letters or digits separates words. So {@code /etc/shadow} is the words {@code etc shadow} in
 * both, where PostgreSQL's own parser would have kept it as one "file" token. Each distinct word
 * is indexed once per alert (Falco's output repeats its field values): a search finds alerts that
 * have every word it names, each as a word prefix, in any order.
 */
final class SearchText {
    private static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

    private SearchText() {}

    /** The indexed words: of the rule, output, hostname, tags and every output field's value. */
    static String of(Alert alert) {
        Set<String> words = new LinkedHashSet<>();
        add(words, alert.rule());
        add(words, alert.output());
        add(words, alert.hostname());
        alert.tags().forEach(t -> add(words, t));
        alert.outputFields().values().forEach(v -> {
            if (v instanceof List<?> list) {
                list.forEach(i -> add(words, String.valueOf(i)));
            } else if (v != null) {
                add(words, v.toString());
            }
        });
        return String.join(" ", words);
    }

    /** The words of a search ("/etc/sha" is etc and sha, sha matching shadow). */
    static List<String> words(String query) {
        Set<String> words = new LinkedHashSet<>();
        add(words, query);
        return List.copyOf(words);
    }

    private static void add(Set<String> words, String text) {
        for (String w : SEPARATORS.split(text.toLowerCase(Locale.ROOT))) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
    }
}
