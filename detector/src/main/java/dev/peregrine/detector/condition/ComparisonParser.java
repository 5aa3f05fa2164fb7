package dev.peregrine.detector.condition;

import java.util.ArrayList;
import java.util.List;

/**
 * The operator of a check and what it compares against: {@code exists}, numeric and string
 * operators, the list operators, and the comparison modifiers ({@code startswith oneof (a, b)}).
 * The operator tables are libsinsp's, in its order, because its messages list them that way.
 */
final class ComparisonParser {
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

    private final ConditionLexer lexer;
    private final TransformerParser transformers;

    ComparisonParser(ConditionLexer lexer, TransformerParser transformers) {
        this.lexer = lexer;
        this.transformers = transformers;
    }

    /** The operators libsinsp lists in its "expected a valid check operator" message, in that order. */
    static List<String> supportedOperators() {
        List<String> ops = new ArrayList<>();
        for (List<String> group : List.of(UNARY_OPS, NUM_OPS, STR_OPS, LIST_OPS)) {
            for (String op : group) ops.add(op.trim());
        }
        return ops;
    }

    static boolean isListOperator(String op) {
        return LIST_OPS.contains(op);
    }

    /** The base operators a modifier may follow (libsinsp's string operators). */
    static boolean acceptsModifier(String op) {
        for (String s : STR_OPS) if (s.trim().equals(op)) return true;
        return false;
    }

    /** True for {@code oneof}, {@code anyof}, {@code allof}. */
    static boolean isModifier(String word) {
        for (String m : MODIFIERS) if (m.trim().equals(word)) return true;
        return false;
    }

    /** The operator and right-hand side of a check whose left side is already read. */
    Expr parseCondition(Expr left) {
        lexer.enter();
        try {
            lexer.lexBlank();
            if (lexer.lexOperator(UNARY_OPS))
                return new Expr.UnaryCheck(left, lexer.lastToken().trim());
            lexer.lexBlank();
            String op;
            Expr right;
            if (lexer.lexOperator(NUM_OPS)) {
                op = lexer.lastToken();
                right = parseNumValueOrTransformer();
            } else if (lexer.lexOperator(STR_OPS)) {
                op = lexer.lastToken();
                // Word operators consumed their blank already; a symbol one needs it before a modifier.
                boolean hadBlank = Character.isLetter(op.charAt(0)) || lexer.lexBlank();
                ConditionLexer.Mark beforeModifier = lexer.mark();
                if (hadBlank
                        && lexer.lexOperator(MODIFIERS)
                        && lexer.listValueFollows()
                        && !lexer.boolKeywordFollows()) {
                    op = op.trim() + " " + lexer.lastToken();
                    right = parseListValue();
                } else {
                    lexer.reset(beforeModifier);
                    right = parseStrValueOrTransformer(false);
                }
            } else if (lexer.lexOperator(LIST_OPS)) {
                op = lexer.lastToken();
                right = parseListValueOrTransformer();
            } else {
                throw lexer.error("expected a valid check operator: one of " + quotedList(supportedOperators()));
            }
            return new Expr.BinaryCheck(left, op.trim(), right);
        } finally {
            lexer.leave();
        }
    }

    private Expr parseNumValueOrTransformer() {
        lexer.enter();
        try {
            lexer.lexBlank();
            Expr t = transformers.tryParseTransformerOrVal();
            if (t != null) return t;
            if (lexer.lexNumber()) return new Expr.Value(lexer.lastToken());
            throw lexer.error("expected a number value or a field with a valid transformer: "
                    + quotedList(TransformerParser.supportedTransformers(true)));
        } finally {
            lexer.leave();
        }
    }

    private Expr parseStrValueOrTransformer(boolean noTransformer) {
        lexer.enter();
        try {
            lexer.lexBlank();
            if (!noTransformer) {
                Expr t = transformers.tryParseTransformerOrVal();
                if (t != null) return t;
            }
            if (lexer.lexQuotedStr() || lexer.lexRegex(ConditionLexer.BARE_STR)) {
                return new Expr.Value(lexer.lastToken());
            }
            if (noTransformer) throw lexer.error("expected a string value");
            throw lexer.error("expected a string value or a field with a valid transformer: "
                    + quotedList(TransformerParser.supportedTransformers(true)));
        } finally {
            lexer.leave();
        }
    }

    /** A literal list "(a, b)", or null when no "(" comes next. */
    private Expr tryParseListExpr() {
        if (!lexer.lexStr("(")) return null;
        List<String> values = new ArrayList<>();
        lexer.lexBlank();
        Expr head = null;
        try {
            head = parseStrValueOrTransformer(true);
        } catch (ConditionSyntaxException empty) {
            // An empty list "()" is legal: the failed attempt to read a value says so.
        }
        if (head != null) {
            values.add(((Expr.Value) head).value());
            lexer.lexBlank();
            while (lexer.lexStr(",")) {
                values.add(((Expr.Value) parseStrValueOrTransformer(true)).value());
                lexer.lexBlank();
            }
        }
        if (!lexer.lexStr(")")) throw lexer.error("expected a ')' token");
        return new Expr.ListValue(values);
    }

    /** The right side after a modifier: a list or a list name. */
    private Expr parseListValue() {
        lexer.enter();
        try {
            lexer.lexBlank();
            Expr list = tryParseListExpr();
            if (list != null) return list;
            if (lexer.lexRegex(ConditionLexer.IDENTIFIER)) return new Expr.Value(lexer.lastToken());
            throw lexer.error("expected a list or an identifier");
        } finally {
            lexer.leave();
        }
    }

    private Expr parseListValueOrTransformer() {
        lexer.enter();
        try {
            lexer.lexBlank();
            Expr list = tryParseListExpr();
            if (list != null) return list;
            Expr t = transformers.tryParseTransformerOrVal();
            if (t != null) return t;
            if (lexer.lexRegex(ConditionLexer.IDENTIFIER)) return new Expr.Value(lexer.lastToken());
            throw lexer.error("expected a list, an identifier, or a field with a valid transformer: "
                    + quotedList(TransformerParser.supportedTransformers(true)));
        } finally {
            lexer.leave();
        }
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
