package dev.peregrine.detector.condition;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recursive-descent parser for the libsinsp filter language (libs 0.25, Falco 0.44). It reproduces
 * libsinsp's grammar quirks on purpose (operators matched as prefixes, word operators needing a
 * blank after them, "not" needing a blank or a parenthesis, a modifier keyword read as a modifier
 * only when a list follows it) because rules written for Falco rely on them, and it raises
 * libsinsp's error messages at the same positions. It knows nothing about fields: {@code foo.bar}
 * is a field name whether or not any catalogue defines it.
 */
public final class ConditionParser {
    public static final int DEFAULT_MAX_DEPTH = 100;

    private static final Pattern NOT_BLANK = Pattern.compile("not[ \\t\\n\\r\\f\\x0B]+");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z]+[a-zA-Z0-9_]*");
    private static final Pattern FIELD_ARG_BARE = Pattern.compile("[^\\]\\[\"'\\s]+");
    private static final Pattern HEX_NUM = Pattern.compile("0[xX][0-9a-fA-F]+");
    private static final Pattern NUMBER = Pattern.compile("[+\\-]?[0-9]+\\.?[0-9]*([eE][+\\-][0-9]+)?");
    private static final Pattern BARE_STR = Pattern.compile("[^()\"'\\s=,]+");

    static final List<String> UNARY_OPS = List.of("exists");
    static final List<String> NUM_OPS = List.of("<=", "<", ">=", ">");
    // A trailing blank marks the operators that need a blank (space, tab, line break) after them, as in libsinsp.
    static final List<String> STR_OPS = List.of(
            "==",
            "=",
            "!=",
            "glob ",
            "iglob ",
            "contains ",
            "icontains ",
            "bcontains ",
            "startswith ",
            "bstartswith ",
            "endswith ",
            "regex ");
    /** Comparison modifiers: after a string operator and a blank, before a list ({@code startswith oneof (a, b)}). */
    static final List<String> MODIFIERS = List.of("oneof ", "anyof ", "allof ");

    static final List<String> LIST_OPS = List.of("intersects", "in", "pmatch");
    static final String VAL = "val(";
    /** libsinsp 0.25's field transformers, in its order; each takes one or more arguments. */
    static final List<String> TRANSFORMERS =
            List.of("tolower(", "toupper(", "b64(", "basename(", "len(", "join(", "concat(", "getopt(");

    private final String input;
    private final int maxDepth;
    private int idx;
    private int line;
    private int col;
    private int depth;
    private String lastToken = "";
    /** One matcher per pattern for the whole input: a long condition is lexed without a matcher per token. */
    private final Map<Pattern, Matcher> matchers = new IdentityHashMap<>();

    private ConditionParser(String input, int maxDepth) {
        this.input = input;
        this.maxDepth = maxDepth;
    }

    public static Expr parse(String condition) {
        return parse(condition, DEFAULT_MAX_DEPTH);
    }

    /** Parses a whole condition; Falco's rule loader raises the depth limit to 1000. */
    public static Expr parse(String condition, int maxDepth) {
        return new ConditionParser(condition, maxDepth).parseAll();
    }

    /** The operators libsinsp lists in its "expected a valid check operator" message, in that order. */
    public static List<String> supportedOperators() {
        List<String> ops = new ArrayList<>();
        for (List<String> group : List.of(UNARY_OPS, NUM_OPS, STR_OPS, LIST_OPS)) {
            for (String op : group) ops.add(op.trim());
        }
        return ops;
    }

    /** The transformers libsinsp names in its messages, {@code val} first when asked. */
    public static List<String> supportedTransformers(boolean includeVal) {
        List<String> names = new ArrayList<>();
        if (includeVal) names.add(dropParen(VAL));
        for (String t : TRANSFORMERS) names.add(dropParen(t));
        return names;
    }

    public static boolean isListOperator(String op) {
        return LIST_OPS.contains(op);
    }

    /** The base operators a modifier may follow (libsinsp's string operators). */
    public static boolean acceptsModifier(String op) {
        for (String s : STR_OPS) if (s.trim().equals(op)) return true;
        return false;
    }

    /** True for {@code oneof}, {@code anyof}, {@code allof}. */
    public static boolean isModifier(String word) {
        for (String m : MODIFIERS) if (m.trim().equals(word)) return true;
        return false;
    }

    private Expr parseAll() {
        if (input.isEmpty()) throw error("filter input string is empty");
        idx = 0;
        line = 1;
        col = 1;
        Expr res = parseOr();
        if (idx != input.length()) {
            throw error("unexpected token after '" + lastToken + "', expecting 'or', 'and'");
        }
        return res;
    }

    private void enter() {
        depth++;
        if (depth >= maxDepth) throw error("exceeded max depth limit of " + maxDepth);
    }

    private Expr parseOr() {
        enter();
        try {
            List<Expr> children = new ArrayList<>();
            lexBlank();
            children.add(parseAnd());
            lexBlank();
            while (lexStr("or")) {
                if (!lexBlank()) {
                    if (!lexStr("(")) throw error("expected blank or '(' after 'or'");
                    children.add(parseEmbeddedRemainder());
                } else {
                    children.add(parseAnd());
                }
                lexBlank();
            }
            return children.size() > 1 ? new Expr.Or(children) : children.getFirst();
        } finally {
            depth--;
        }
    }

    private Expr parseAnd() {
        enter();
        try {
            List<Expr> children = new ArrayList<>();
            lexBlank();
            children.add(parseNot());
            lexBlank();
            while (lexStr("and")) {
                if (!lexBlank()) {
                    if (!lexStr("(")) throw error("expected blank or '(' after 'and'");
                    children.add(parseEmbeddedRemainder());
                } else {
                    children.add(parseNot());
                }
                lexBlank();
            }
            return children.size() > 1 ? new Expr.And(children) : children.getFirst();
        } finally {
            depth--;
        }
    }

    private Expr parseNot() {
        enter();
        try {
            boolean negate = false;
            lexBlank();
            while (lexRegex(NOT_BLANK)) negate = !negate;
            Expr child;
            if (lexStr("not(")) {
                negate = !negate;
                child = parseEmbeddedRemainder();
            } else {
                child = parseCheck();
            }
            return negate ? new Expr.Not(child) : child;
        } finally {
            depth--;
        }
    }

    /** The rest of a parenthesised expression, once its "(" has been consumed. */
    private Expr parseEmbeddedRemainder() {
        enter();
        try {
            lexBlank();
            Expr child = parseOr();
            lexBlank();
            if (!lexStr(")")) throw error("expected a ')' token");
            return child;
        } finally {
            depth--;
        }
    }

    private Expr parseCheck() {
        enter();
        try {
            lexBlank();
            if (lexStr("(")) return parseEmbeddedRemainder();
            if (lexFieldName()) {
                Expr left = parseFieldRemainder(lastToken);
                return parseCondition(left);
            }
            if (lexList(TRANSFORMERS)) {
                lexBlank();
                Expr left = parseTransformerRemainder(dropParen(lastToken));
                return parseCondition(left);
            }
            if (lexRegex(IDENTIFIER)) return new Expr.Identifier(lastToken);
            throw error("expected a '(' token, a field check, or an identifier");
        } finally {
            depth--;
        }
    }

    private Expr parseFieldRemainder(String name) {
        enter();
        try {
            return new Expr.Field(name, parseOptionalFieldArg());
        } finally {
            depth--;
        }
    }

    /** {@code [arg]} after a field or a transformer's closing parenthesis; null when there is none. */
    private String parseOptionalFieldArg() {
        if (!lexStr("[")) return null;
        if (!lexQuotedStr() && !lexRegex(FIELD_ARG_BARE)) {
            throw error("expected a valid field argument: a quoted string or a bare string");
        }
        String arg = lastToken;
        if (!lexStr("]")) throw error("expected a ']' token");
        return arg;
    }

    /**
     * The rest of a transformer once {@code name(} is consumed: comma-separated arguments, the
     * closing parenthesis and an optional {@code [arg]}. The compiler checks how many arguments
     * and of what kind, as libsinsp's does.
     */
    private Expr parseTransformerRemainder(String transformer) {
        enter();
        try {
            lexBlank();
            List<Expr> children = new ArrayList<>();
            do {
                children.add(parseTransformerArg());
                lexBlank();
            } while (lexStr(","));
            lexBlank();
            if (!lexStr(")")) throw error("expected a ')' token closing the transformer");
            String arg = parseOptionalFieldArg();
            return children.size() == 1
                    ? new Expr.Transform(transformer, children.getFirst(), arg)
                    : new Expr.MultiTransform(transformer, children, arg);
        } finally {
            depth--;
        }
    }

    /** One transformer argument: a number, a quoted string, a transformer list, a transformer or a field. */
    private Expr parseTransformerArg() {
        enter();
        try {
            lexBlank();
            if (lexRegex(HEX_NUM) || lexRegex(NUMBER)) return new Expr.Value(lastToken);
            if (lexQuotedStr()) return new Expr.Value(lastToken);
            if (lexStr("(")) return parseTransformerList();
            if (lexList(TRANSFORMERS)) return parseTransformerRemainder(dropParen(lastToken));
            if (lexFieldName()) return parseFieldRemainder(lastToken);
            throw error("expected field transformer argument: "
                    + "field, transformer, quoted string, number, or transformer list");
        } finally {
            depth--;
        }
    }

    /** {@code (a, "b", 1)} as a transformer argument, once its "(" is consumed; it may be empty. */
    private Expr parseTransformerList() {
        List<Expr> items = new ArrayList<>();
        lexBlank();
        if (lexStr(")")) return new Expr.ArgList(items);
        items.add(parseTransformerListArg());
        lexBlank();
        while (lexStr(",")) {
            lexBlank();
            items.add(parseTransformerListArg());
            lexBlank();
        }
        if (!lexStr(")")) throw error("expected ')'");
        return new Expr.ArgList(items);
    }

    private Expr parseTransformerListArg() {
        if (lexFieldName()) return parseFieldRemainder(lastToken);
        if (lexList(TRANSFORMERS)) {
            lexBlank();
            return parseTransformerRemainder(dropParen(lastToken));
        }
        if (lexQuotedStr()) return new Expr.Value(lastToken);
        if (lexRegex(HEX_NUM) || lexRegex(NUMBER)) return new Expr.Value(lastToken);
        throw error("expected transformer list argument: field, transformer, quoted string, or number");
    }

    private Expr parseCondition(Expr left) {
        enter();
        try {
            lexBlank();
            if (lexOperator(UNARY_OPS)) return new Expr.UnaryCheck(left, lastToken.trim());
            lexBlank();
            String op;
            Expr right;
            if (lexOperator(NUM_OPS)) {
                op = lastToken;
                right = parseNumValueOrTransformer();
            } else if (lexOperator(STR_OPS)) {
                op = lastToken;
                // Word operators consumed their blank already; a symbol one needs it before a modifier.
                boolean hadBlank = Character.isLetter(op.charAt(0)) || lexBlank();
                int savedIdx = idx, savedLine = line, savedCol = col;
                String savedToken = lastToken;
                if (hadBlank && lexOperator(MODIFIERS) && listValueFollows() && !boolKeywordFollows()) {
                    op = op.trim() + " " + lastToken;
                    right = parseListValue();
                } else {
                    idx = savedIdx;
                    line = savedLine;
                    col = savedCol;
                    lastToken = savedToken;
                    right = parseStrValueOrTransformer(false);
                }
            } else if (lexOperator(LIST_OPS)) {
                op = lastToken;
                right = parseListValueOrTransformer();
            } else {
                throw error("expected a valid check operator: one of " + quotedList(supportedOperators()));
            }
            return new Expr.BinaryCheck(left, op.trim(), right);
        } finally {
            depth--;
        }
    }

    /** A modifier is one only when a list or a list name follows it: {@code = oneof} alone compares with "oneof". */
    private boolean listValueFollows() {
        if (idx < input.length() && input.charAt(idx) == '(') return true;
        return matchers.computeIfAbsent(IDENTIFIER, k -> k.matcher(input))
                .region(idx, input.length())
                .lookingAt();
    }

    /** {@code = anyof and ...}: the word after the modifier is a boolean keyword, so the modifier is a value. */
    private boolean boolKeywordFollows() {
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

    private Expr parseNumValueOrTransformer() {
        enter();
        try {
            lexBlank();
            Expr t = tryParseTransformerOrVal();
            if (t != null) return t;
            if (lexRegex(HEX_NUM) || lexRegex(NUMBER)) return new Expr.Value(lastToken);
            throw error("expected a number value or a field with a valid transformer: "
                    + quotedList(supportedTransformers(true)));
        } finally {
            depth--;
        }
    }

    private Expr parseStrValueOrTransformer(boolean noTransformer) {
        enter();
        try {
            lexBlank();
            if (!noTransformer) {
                Expr t = tryParseTransformerOrVal();
                if (t != null) return t;
            }
            if (lexQuotedStr() || lexRegex(BARE_STR)) return new Expr.Value(lastToken);
            if (noTransformer) throw error("expected a string value");
            throw error("expected a string value or a field with a valid transformer: "
                    + quotedList(supportedTransformers(true)));
        } finally {
            depth--;
        }
    }

    /** A literal list "(a, b)", or null when no "(" comes next. */
    private Expr tryParseListExpr() {
        if (!lexStr("(")) return null;
        List<String> values = new ArrayList<>();
        lexBlank();
        Expr head = null;
        try {
            head = parseStrValueOrTransformer(true);
        } catch (ConditionSyntaxException empty) {
            // An empty list "()" is legal: the failed attempt to read a value says so.
        }
        if (head != null) {
            values.add(((Expr.Value) head).value());
            lexBlank();
            while (lexStr(",")) {
                values.add(((Expr.Value) parseStrValueOrTransformer(true)).value());
                lexBlank();
            }
        }
        if (!lexStr(")")) throw error("expected a ')' token");
        return new Expr.ListValue(values);
    }

    /** The right side after a modifier: a list or a list name. */
    private Expr parseListValue() {
        enter();
        try {
            lexBlank();
            Expr list = tryParseListExpr();
            if (list != null) return list;
            if (lexRegex(IDENTIFIER)) return new Expr.Value(lastToken);
            throw error("expected a list or an identifier");
        } finally {
            depth--;
        }
    }

    private Expr parseListValueOrTransformer() {
        enter();
        try {
            lexBlank();
            Expr list = tryParseListExpr();
            if (list != null) return list;
            Expr t = tryParseTransformerOrVal();
            if (t != null) return t;
            if (lexRegex(IDENTIFIER)) return new Expr.Value(lastToken);
            throw error("expected a list, an identifier, or a field with a valid transformer: "
                    + quotedList(supportedTransformers(true)));
        } finally {
            depth--;
        }
    }

    /** Returns null when the input holds neither {@code val(field)} nor a transformer here. */
    private Expr tryParseTransformerOrVal() {
        enter();
        try {
            lexBlank();
            if (lexStr(VAL)) {
                lexBlank();
                String transformer = dropParen(lastToken);
                if (!lexFieldName()) throw error("expected a field within '" + transformer + "' transformer");
                Expr child = parseFieldRemainder(lastToken);
                lexBlank();
                if (!lexStr(")")) throw error("expected a ')' token closing the transformer");
                return new Expr.Transform(transformer, child, parseOptionalFieldArg());
            }
            if (lexList(TRANSFORMERS)) {
                lexBlank();
                return parseTransformerRemainder(dropParen(lastToken));
            }
            return null;
        } finally {
            depth--;
        }
    }

    // ---- lexing; every successful lex except blanks updates lastToken, which error messages quote ----

    private boolean lexBlank() {
        boolean found = false;
        while (idx < input.length()) {
            char c = input.charAt(idx);
            if (c != ' ' && c != '\t' && c != '\b' && c != '\r' && c != '\n') break;
            advance(c);
            found = true;
        }
        return found;
    }

    private boolean lexStr(String s) {
        if (!input.startsWith(s, idx)) return false;
        lastToken = s;
        advance(s);
        return true;
    }

    private boolean lexList(List<String> options) {
        for (String s : options) {
            if (lexStr(s)) return true;
        }
        return false;
    }

    /**
     * libsinsp's operator lexing: an operator written with a trailing blank matches its word
     * followed by at least one blank of any kind (consumed), or nothing at all.
     */
    private boolean lexOperator(List<String> options) {
        for (String op : options) {
            if (!op.endsWith(" ")) {
                if (lexStr(op)) return true;
                continue;
            }
            int savedIdx = idx, savedLine = line, savedCol = col;
            String savedToken = lastToken;
            if (lexStr(op.trim())) {
                if (lexBlank()) return true;
                idx = savedIdx;
                line = savedLine;
                col = savedCol;
                lastToken = savedToken;
            }
        }
        return false;
    }

    /**
     * A field name, libsinsp's {@code [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+}, scanned
     * by hand: Java's regex engine recurses once per repetition of the group, so a name of a few
     * thousand dotted parts overflowed the stack (found by RulesFileFuzzTest).
     */
    private boolean lexFieldName() {
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

    private boolean lexRegex(Pattern p) {
        Matcher m = matchers.computeIfAbsent(p, k -> k.matcher(input)).region(idx, input.length());
        if (!m.lookingAt()) return false;
        lastToken = m.group();
        advance(lastToken);
        return true;
    }

    /**
     * A quoted string ends at the first delimiter not preceded by a backslash; like libsinsp this
     * means a string ending in an escaped backslash ("a\\") does not terminate there.
     */
    private boolean lexQuotedStr() {
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

    private ConditionSyntaxException error(String message) {
        return new ConditionSyntaxException(message, new SourcePos(idx, line, col));
    }

    private static String dropParen(String token) {
        return token.substring(0, token.length() - 1);
    }

    private static String quotedList(List<String> values) {
        StringBuilder sb = new StringBuilder();
        for (String v : values) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append('\'').append(v).append('\'');
        }
        return sb.toString();
    }
}
