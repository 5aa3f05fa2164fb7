package dev.peregrine.detector.condition;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The position in a condition being parsed and the tokens read there, as libsinsp lexes them. Every
 * successful lex except blanks updates {@link #lastToken()}, which error messages quote. The nesting
 * depth is counted here too because its error, like every syntax error, is reported at the position.
 */
final class ConditionLexer {
    static final Pattern NOT_BLANK = Pattern.compile("not[ \\t\\n\\r\\f\\x0B]+");
    static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z]+[a-zA-Z0-9_]*");
    static final Pattern FIELD_ARG_BARE = Pattern.compile("[^\\]\\[\"'\\s]+");
    private static final Pattern HEX_NUM = Pattern.compile("0[xX][0-9a-fA-F]+");
    private static final Pattern NUMBER = Pattern.compile("[+\\-]?[0-9]+\\.?[0-9]*([eE][+\\-][0-9]+)?");
    static final Pattern BARE_STR = Pattern.compile("[^()\"'\\s=,]+");

    /** A saved position, to go back to when a longer reading turns out not to apply. */
    record Mark(int idx, int line, int col, String lastToken) {}

    private final String input;
    private final int maxDepth;
    private int idx;
    private int line;
    private int col;
    private int depth;
    private String lastToken = "";
    /** One matcher per pattern for the whole input: a long condition is lexed without a matcher per token. */
    private final Map<Pattern, Matcher> matchers = new IdentityHashMap<>();

    ConditionLexer(String input, int maxDepth) {
        this.input = input;
        this.maxDepth = maxDepth;
    }

    String lastToken() {
        return lastToken;
    }

    boolean inputEmpty() {
        return input.isEmpty();
    }

    /** Puts the position at the first character; until then errors report line and column 0. */
    void start() {
        idx = 0;
        line = 1;
        col = 1;
    }

    boolean atEnd() {
        return idx == input.length();
    }

    /** One level deeper in the grammar; pair with {@link #leave()} in a finally block. */
    void enter() {
        depth++;
        if (depth >= maxDepth) throw error("exceeded max depth limit of " + maxDepth);
    }

    void leave() {
        depth--;
    }

    Mark mark() {
        return new Mark(idx, line, col, lastToken);
    }

    void reset(Mark mark) {
        idx = mark.idx();
        line = mark.line();
        col = mark.col();
        lastToken = mark.lastToken();
    }

    ConditionSyntaxException error(String message) {
        return new ConditionSyntaxException(message, new SourcePos(idx, line, col));
    }

    boolean lexBlank() {
        boolean found = false;
        while (idx < input.length()) {
            char c = input.charAt(idx);
            if (c != ' ' && c != '\t' && c != '\b' && c != '\r' && c != '\n') break;
            advance(c);
            found = true;
        }
        return found;
    }

    boolean lexStr(String s) {
        if (!input.startsWith(s, idx)) return false;
        lastToken = s;
        advance(s);
        return true;
    }

    boolean lexList(List<String> options) {
        for (String s : options) {
            if (lexStr(s)) return true;
        }
        return false;
    }

    /**
     * libsinsp's operator lexing: an operator written with a trailing blank matches its word
     * followed by at least one blank of any kind (consumed), or nothing at all.
     */
    boolean lexOperator(List<String> options) {
        for (String op : options) {
            if (!op.endsWith(" ")) {
                if (lexStr(op)) return true;
                continue;
            }
            Mark before = mark();
            if (lexStr(op.trim())) {
                if (lexBlank()) return true;
                reset(before);
            }
        }
        return false;
    }

    /**
     * A field name, libsinsp's {@code [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+}, scanned
     * by hand: Java's regex engine recurses once per repetition of the group, so a name of a few
     * thousand dotted parts overflowed the stack (found by RulesFileFuzzTest).
     */
    boolean lexFieldName() {
        int n = input.length();
        if (idx >= n || !isAsciiLetter(input.charAt(idx))) return false;
        int i = wordEnd(idx + 1);
        boolean dotted = false;
        while (i + 1 < n && input.charAt(i) == '.' && isAsciiLetter(input.charAt(i + 1))) {
            i = wordEnd(i + 2);
            dotted = true;
        }
        if (!dotted) return false;
        lastToken = input.substring(idx, i);
        advance(lastToken);
        return true;
    }

    boolean lexRegex(Pattern p) {
        Matcher m = matchers.computeIfAbsent(p, k -> k.matcher(input)).region(idx, input.length());
        if (!m.lookingAt()) return false;
        lastToken = m.group();
        advance(lastToken);
        return true;
    }

    /** A hexadecimal or a decimal number, tried in that order. */
    boolean lexNumber() {
        return lexRegex(HEX_NUM) || lexRegex(NUMBER);
    }

    /**
     * A quoted string ends at the first delimiter not preceded by a backslash; like libsinsp this
     * means a string ending in an escaped backslash ("a\\") does not terminate there.
     */
    boolean lexQuotedStr() {
        if (idx >= input.length()) return false;
        char delimiter = input.charAt(idx);
        if (delimiter != '\'' && delimiter != '"') return false;
        int startIdx = idx, startLine = line, startCol = col;
        char prev = '\\';
        StringBuilder token = new StringBuilder();
        while (idx < input.length()) {
            char c = input.charAt(idx);
            if (c == delimiter && prev != '\\') {
                advance(c);
                token.append(c);
                try {
                    lastToken = Escaping.unescape(token.toString());
                } catch (IllegalArgumentException e) {
                    throw error(e.getMessage());
                }
                return true;
            }
            prev = c;
            token.append(c);
            advance(c);
        }
        idx = startIdx;
        line = startLine;
        col = startCol;
        return false;
    }

    /** A modifier is one only when a list or a list name follows it: {@code = oneof} alone compares with "oneof". */
    boolean listValueFollows() {
        if (idx < input.length() && input.charAt(idx) == '(') return true;
        return matchers.computeIfAbsent(IDENTIFIER, k -> k.matcher(input))
                .region(idx, input.length())
                .lookingAt();
    }

    /** {@code = anyof and ...}: the word after the modifier is a boolean keyword, so the modifier is a value. */
    boolean boolKeywordFollows() {
        for (String kw : List.of("and", "or", "not")) {
            if (!input.startsWith(kw, idx)) continue;
            int end = idx + kw.length();
            if (end == input.length() || !isAsciiAlnum(input.charAt(end))) return true;
        }
        return false;
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** The end of a run of [a-zA-Z0-9_] starting at {@code i}. */
    private int wordEnd(int i) {
        while (i < input.length()) {
            char c = input.charAt(i);
            if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '_') break;
            i++;
        }
        return i;
    }

    private void advance(String s) {
        for (int i = 0; i < s.length(); i++) advance(s.charAt(i));
    }

    private void advance(char c) {
        col++;
        if (c == '\r' || c == '\n') {
            col = 1;
            line++;
        }
        idx++;
    }
}
