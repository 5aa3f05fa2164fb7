package dev.peregrine.detector.condition;

import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent parser for the libsinsp filter language (libs 0.25, Falco 0.44). It reproduces
 * libsinsp's grammar quirks on purpose (operators matched as prefixes, word operators needing a
 * blank after them, "not" needing a blank or a parenthesis, a modifier keyword read as a modifier
 * only when a list follows it) because rules written for Falco rely on them, and it raises
 * libsinsp's error messages at the same positions. It knows nothing about fields: {@code foo.bar}
 * is a field name whether or not any catalogue defines it.
 *
 * <p>This class reads the boolean structure ({@code or}, {@code and}, {@code not}, parentheses) down
 * to single checks; {@link ComparisonParser} reads a check's operator and value, {@link
 * TransformerParser} the transformers and fields, and {@link ConditionLexer} the tokens.
 */
public final class ConditionParser {
    public static final int DEFAULT_MAX_DEPTH = 100;

    private final ConditionLexer lexer;
    private final TransformerParser transformers;
    private final ComparisonParser comparisons;

    private ConditionParser(String input, int maxDepth) {
        this.lexer = new ConditionLexer(input, maxDepth);
        this.transformers = new TransformerParser(lexer);
        this.comparisons = new ComparisonParser(lexer, transformers);
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
        return ComparisonParser.supportedOperators();
    }

    /** The transformers libsinsp names in its messages, {@code val} first when asked. */
    public static List<String> supportedTransformers(boolean includeVal) {
        return TransformerParser.supportedTransformers(includeVal);
    }

    public static boolean isListOperator(String op) {
        return ComparisonParser.isListOperator(op);
    }

    /** The base operators a modifier may follow (libsinsp's string operators). */
    public static boolean acceptsModifier(String op) {
        return ComparisonParser.acceptsModifier(op);
    }

    /** True for {@code oneof}, {@code anyof}, {@code allof}. */
    public static boolean isModifier(String word) {
        return ComparisonParser.isModifier(word);
    }

    private Expr parseAll() {
        if (lexer.inputEmpty()) throw lexer.error("filter input string is empty");
        lexer.start();
        Expr res = parseOr();
        if (!lexer.atEnd()) {
            throw lexer.error("unexpected token after '" + lexer.lastToken() + "', expecting 'or', 'and'");
        }
        return res;
    }

    private Expr parseOr() {
        lexer.enter();
        try {
            List<Expr> children = new ArrayList<>();
            lexer.lexBlank();
            children.add(parseAnd());
            lexer.lexBlank();
            while (lexer.lexStr("or")) {
                if (!lexer.lexBlank()) {
                    if (!lexer.lexStr("(")) throw lexer.error("expected blank or '(' after 'or'");
                    children.add(parseEmbeddedRemainder());
                } else {
                    children.add(parseAnd());
                }
                lexer.lexBlank();
            }
            return children.size() > 1 ? new Expr.Or(children) : children.getFirst();
        } finally {
            lexer.leave();
        }
    }

    private Expr parseAnd() {
        lexer.enter();
        try {
            List<Expr> children = new ArrayList<>();
            lexer.lexBlank();
            children.add(parseNot());
            lexer.lexBlank();
            while (lexer.lexStr("and")) {
                if (!lexer.lexBlank()) {
                    if (!lexer.lexStr("(")) throw lexer.error("expected blank or '(' after 'and'");
                    children.add(parseEmbeddedRemainder());
                } else {
                    children.add(parseNot());
                }
                lexer.lexBlank();
            }
            return children.size() > 1 ? new Expr.And(children) : children.getFirst();
        } finally {
            lexer.leave();
        }
    }

    private Expr parseNot() {
        lexer.enter();
        try {
            boolean negate = false;
            lexer.lexBlank();
            while (lexer.lexRegex(ConditionLexer.NOT_BLANK)) negate = !negate;
            Expr child;
            if (lexer.lexStr("not(")) {
                negate = !negate;
                child = parseEmbeddedRemainder();
            } else {
                child = parseCheck();
            }
            return negate ? new Expr.Not(child) : child;
        } finally {
            lexer.leave();
        }
    }

    /** The rest of a parenthesised expression, once its "(" has been consumed. */
    private Expr parseEmbeddedRemainder() {
        lexer.enter();
        try {
            lexer.lexBlank();
            Expr child = parseOr();
            lexer.lexBlank();
            if (!lexer.lexStr(")")) throw lexer.error("expected a ')' token");
            return child;
        } finally {
            lexer.leave();
        }
    }

    private Expr parseCheck() {
        lexer.enter();
        try {
            lexer.lexBlank();
            if (lexer.lexStr("(")) return parseEmbeddedRemainder();
            if (lexer.lexFieldName()) {
                Expr left = transformers.parseFieldRemainder(lexer.lastToken());
                return comparisons.parseCondition(left);
            }
            Expr transformed = transformers.tryParseTransformer();
            if (transformed != null) return comparisons.parseCondition(transformed);
            if (lexer.lexRegex(ConditionLexer.IDENTIFIER)) return new Expr.Identifier(lexer.lastToken());
            throw lexer.error("expected a '(' token, a field check, or an identifier");
        } finally {
            lexer.leave();
        }
    }
}
