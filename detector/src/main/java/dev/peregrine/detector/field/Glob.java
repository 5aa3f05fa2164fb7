package dev.peregrine.detector.field;

/**
 * fnmatch-style wildcard matching ({@code *}, {@code ?}, {@code [a-z]}, {@code [!x]}, backslash escapes),
 * without path semantics: {@code *} also crosses {@code /}, as Falco's glob operator does.
 * Matching is iterative with a single backtrack point and never allocates.
 */
public final class Glob {
    private final String pattern;
    private final boolean ignoreCase;

    public Glob(String pattern, boolean ignoreCase) {
        this.pattern = pattern;
        this.ignoreCase = ignoreCase;
    }

    public boolean matches(String s) {
        int p = 0, i = 0, starP = -1, starI = -1;
        while (i < s.length()) {
            if (p < pattern.length()) {
                char pc = pattern.charAt(p);
                if (pc == '*') {
                    starP = ++p;
                    starI = i;
                    continue;
                }
                int next = matchOne(p, s.charAt(i));
                if (next >= 0) {
                    p = next;
                    i++;
                    continue;
                }
            }
            if (starP < 0) return false;
            p = starP;
            i = ++starI;
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') p++;
        return p == pattern.length();
    }

    /** Matches one pattern element at {@code p} against {@code c}; returns the next pattern index or -1. */
    private int matchOne(int p, char c) {
        char pc = pattern.charAt(p);
        if (pc == '?') return p + 1;
        if (pc == '\\' && p + 1 < pattern.length()) return same(pattern.charAt(p + 1), c) ? p + 2 : -1;
        if (pc == '[') {
            int q = p + 1;
            boolean negate = q < pattern.length() && (pattern.charAt(q) == '!' || pattern.charAt(q) == '^');
            if (negate) q++;
            boolean matched = false;
            boolean first = true;
            while (q < pattern.length() && (first || pattern.charAt(q) != ']')) {
                first = false;
                char lo = pattern.charAt(q);
                if (q + 2 < pattern.length() && pattern.charAt(q + 1) == '-' && pattern.charAt(q + 2) != ']') {
                    char hi = pattern.charAt(q + 2);
                    char cc = ignoreCase ? Character.toLowerCase(c) : c;
                    if ((c >= lo && c <= hi)
                            || (ignoreCase && cc >= Character.toLowerCase(lo) && cc <= Character.toLowerCase(hi))) {
                        matched = true;
                    }
                    q += 3;
                } else {
                    if (same(lo, c)) matched = true;
                    q++;
                }
            }
            if (q >= pattern.length()) return same('[', c) ? p + 1 : -1; // unterminated: a literal '['
            return matched != negate ? q + 1 : -1;
        }
        return same(pc, c) ? p + 1 : -1;
    }

    private boolean same(char a, char b) {
        return a == b || (ignoreCase && Character.toLowerCase(a) == Character.toLowerCase(b));
    }
}
