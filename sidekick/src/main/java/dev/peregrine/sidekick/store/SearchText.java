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
    /** What separates words; {@link #add} scans for it by hand. */
    static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

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

    /**
     * Splits as {@code SEPARATORS} would (any run of characters that are neither letters nor
     * numbers), lower case first as before; a scan instead of a regex, as it runs for every field
     * of every stored alert on the store's writer thread.
     */
    private static void add(Set<String> words, String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        int start = -1;
        for (int i = 0; i < lower.length(); ) {
            int c = lower.codePointAt(i);
            boolean word =
                    c < 0x80 ? (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') : wordChar(c);
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                words.add(lower.substring(start, i));
                start = -1;
            }
            i += Character.charCount(c);
        }
        if (start >= 0) {
            words.add(lower.substring(start));
        }
    }

    /** A letter or a number ({@code \p{L}} or {@code \p{N}}), as the regex has them. */
    private static boolean wordChar(int c) {
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER,
                    Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }
}
