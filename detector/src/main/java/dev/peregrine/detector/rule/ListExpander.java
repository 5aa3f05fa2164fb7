package dev.peregrine.detector.rule;

import java.util.List;

/**
 * Substitutes list names in condition text, as Falco does: textually, before parsing, wherever
 * the name stands between delimiters. Items holding a blank are double-quoted unless already quoted.
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

    /** Returns the condition with every delimited occurrence of {@code name} replaced, or null when none. */
    static String expand(String cnd, String name, List<String> items) {
        boolean used = false;
        int start = cnd.indexOf(name);
        while (start >= 0) {
            int end = start + name.length();
            boolean before = start == 0 || DELIMS.indexOf(cnd.charAt(start - 1)) >= 0;
            boolean after = end >= cnd.length() || DELIMS.indexOf(cnd.charAt(end)) >= 0;
            if (before && after) {
                while (start > 0 && BLANKS.indexOf(cnd.charAt(start - 1)) >= 0) start--;
                while (end < cnd.length() && BLANKS.indexOf(cnd.charAt(end)) >= 0) end++;
                StringBuilder sub = new StringBuilder();
                for (String v : items) {
                    if (!sub.isEmpty()) sub.append(", ");
                    sub.append(quote(v));
                }
                // An empty list must also drop one of the commas around it.
                if (sub.isEmpty()) {
                    if (start > 0 && cnd.charAt(start - 1) == ',') {
                        start--;
                    } else if (end < cnd.length() && cnd.charAt(end) == ',') {
                        end++;
                    }
                }
                StringBuilder next = new StringBuilder();
                if (start > 0) next.append(cnd, 0, start).append(' ');
                next.append(sub).append(' ');
                if (end <= cnd.length()) next.append(cnd, end, cnd.length());
                cnd = next.toString();
                start += sub.length() + 1;
                used = true;
            }
            start = cnd.indexOf(name, start + 1);
        }
        return used ? cnd : null;
    }
}
