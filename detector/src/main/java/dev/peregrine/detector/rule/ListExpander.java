package dev.peregrine.detector.rule;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Substitutes list names in condition text, as Falco does: textually, before parsing, list after
 * list in definition order, wherever the name stands between delimiters (a later list's name
 * brought in by an earlier list's items is substituted too). Items holding a blank are
 * double-quoted unless already quoted.
 *
 * <p>Falco searches the whole text for every list; here the text's words are collected once, so
 * a list whose name is not one of them costs nothing, and a list that is used is substituted in
 * one pass. A large condition therefore costs about its length per list it uses.
 */
final class ListExpander {
    private static final String BLANKS = " \t\n\r";
    private static final String DELIMS = BLANKS + "(),=";

    private ListExpander() {}

    static String quote(String item) {
        if (item.indexOf(' ') >= 0 && !item.isEmpty() && item.charAt(0) != '"' && item.charAt(0) != '\'') {
            return '"' + item + '"';
        }
        return item;
    }

    /**
     * Every list of {@code lists} (in their order) substituted; names of the lists used are
     * added to {@code used}. Refused as the text grows past {@link ExpansionLimits#MAX_TEXT}.
     */
    static String expandAll(String cnd, Map<String, List<String>> lists, Set<String> used) {
        if (lists.isEmpty()) return cnd;
        Set<String> words = words(cnd);
        for (Map.Entry<String, List<String>> l : lists.entrySet()) {
            String name = l.getKey();
            if (name.isEmpty()) continue;
            boolean plain = !containsDelimiter(name);
            // A name made of non-delimiters occurs delimited exactly where it is a whole word.
            if (plain && !words.contains(name)) continue;
            String next = expand(cnd, name, l.getValue());
            if (next == null) continue;
            cnd = next;
            used.add(name);
            if (plain) {
                words.remove(name);
                for (String item : l.getValue()) words.addAll(words(item));
            } else {
                words = words(cnd);
            }
        }
        return cnd;
    }

    /** Returns the condition with every delimited occurrence of {@code name} replaced, or null when none. */
    static String expand(String cnd, String name, List<String> items) {
        StringBuilder sub = new StringBuilder();
        for (String v : items) {
            if (!sub.isEmpty()) sub.append(", ");
            sub.append(quote(v));
        }
        StringBuilder out = null;
        int copied = 0;
        int start = cnd.indexOf(name);
        while (start >= 0) {
            int end = start + name.length();
            boolean before = start == 0 || DELIMS.indexOf(cnd.charAt(start - 1)) >= 0;
            boolean after = end >= cnd.length() || DELIMS.indexOf(cnd.charAt(end)) >= 0;
            if (!before || !after) {
                start = cnd.indexOf(name, start + 1);
                continue;
            }
            if (out == null) out = new StringBuilder(cnd.length() + sub.length() + 16);
            // Refused as soon as the text would pass the bound, before it is built any further.
            if ((long) out.length() + (start - copied) + sub.length() + 1 + (cnd.length() - end)
                    > ExpansionLimits.MAX_TEXT) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_COMPILE_CONDITION,
                        "exceeded max expanded condition size of " + ExpansionLimits.MAX_TEXT
                                + " characters: the condition is too large after list expansion",
                        null);
            }
            out.append(cnd, copied, start);
            // The blanks around the name go: left ones from what was written, right ones from what comes.
            int len = out.length();
            while (len > 0 && BLANKS.indexOf(out.charAt(len - 1)) >= 0) len--;
            out.setLength(len);
            while (end < cnd.length() && BLANKS.indexOf(cnd.charAt(end)) >= 0) end++;
            // An empty list must also drop one of the commas around it.
            if (sub.isEmpty()) {
                if (len > 0 && out.charAt(len - 1) == ',') {
                    out.setLength(--len);
                } else if (end < cnd.length() && cnd.charAt(end) == ',') {
                    end++;
                }
            }
            if (len > 0) out.append(' ');
            out.append(sub).append(' ');
            copied = end;
            // Falco resumes one character further when the name was at the very start: it skips
            // a name that follows at once ("a a" becomes "x a"). Kept, so conditions read the same.
            start = cnd.indexOf(name, len == 0 ? end + 1 : end);
        }
        if (out == null) return null;
        out.append(cnd, copied, cnd.length());
        return out.toString();
    }

    private static boolean containsDelimiter(String s) {
        for (int i = 0; i < s.length(); i++) if (DELIMS.indexOf(s.charAt(i)) >= 0) return true;
        return false;
    }

    /** The maximal runs of non-delimiter characters. */
    private static Set<String> words(String s) {
        Set<String> out = new HashSet<>();
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean delim = i == s.length() || DELIMS.indexOf(s.charAt(i)) >= 0;
            if (delim) {
                if (start >= 0) out.add(s.substring(start, i));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
        }
        return out;
    }
}
