package dev.peregrine.detector.condition;

import java.util.ArrayList;
import java.util.List;

/**
 * Field transformers ({@code tolower(proc.name)}, {@code join(",", (a.b, "c"))}, {@code val(fd.name)})
 * and the fields they apply to, with a field's optional {@code [arg]}. The compiler checks how many
 * arguments and of what kind, as libsinsp's does; this part only reads them.
 */
final class TransformerParser {
    static final String VAL = "val(";
    /** libsinsp 0.25's field transformers, in its order; each takes one or more arguments. */
    static final List<String> TRANSFORMERS =
            List.of("tolower(", "toupper(", "b64(", "basename(", "len(", "join(", "concat(", "getopt(");

    private final ConditionLexer lexer;

    TransformerParser(ConditionLexer lexer) {
        this.lexer = lexer;
    }

    /** The transformers libsinsp names in its messages, {@code val} first when asked. */
    static List<String> supportedTransformers(boolean includeVal) {
        List<String> names = new ArrayList<>();
        if (includeVal) names.add(dropParen(VAL));
        for (String t : TRANSFORMERS) names.add(dropParen(t));
        return names;
    }

    /** A transformer and its arguments, or null when no transformer name comes next. */
    Expr tryParseTransformer() {
        if (!lexer.lexList(TRANSFORMERS)) return null;
        lexer.lexBlank();
        return parseTransformerRemainder(dropParen(lexer.lastToken()));
    }

    /** Returns null when the input holds neither {@code val(field)} nor a transformer here. */
    Expr tryParseTransformerOrVal() {
        lexer.enter();
        try {
            lexer.lexBlank();
            if (lexer.lexStr(VAL)) {
                lexer.lexBlank();
                String transformer = dropParen(lexer.lastToken());
                if (!lexer.lexFieldName()) {
                    throw lexer.error("expected a field within '" + transformer + "' transformer");
                }
                Expr child = parseFieldRemainder(lexer.lastToken());
                lexer.lexBlank();
                if (!lexer.lexStr(")")) throw lexer.error("expected a ')' token closing the transformer");
                return new Expr.Transform(transformer, child, parseOptionalFieldArg());
            }
            return tryParseTransformer();
        } finally {
            lexer.leave();
        }
    }

    Expr parseFieldRemainder(String name) {
        lexer.enter();
        try {
            return new Expr.Field(name, parseOptionalFieldArg());
        } finally {
            lexer.leave();
        }
    }

    /** {@code [arg]} after a field or a transformer's closing parenthesis; null when there is none. */
    private String parseOptionalFieldArg() {
        if (!lexer.lexStr("[")) return null;
        if (!lexer.lexQuotedStr() && !lexer.lexRegex(ConditionLexer.FIELD_ARG_BARE)) {
            throw lexer.error("expected a valid field argument: a quoted string or a bare string");
        }
        String arg = lexer.lastToken();
        if (!lexer.lexStr("]")) throw lexer.error("expected a ']' token");
        return arg;
    }

    /**
     * The rest of a transformer once {@code name(} is consumed: comma-separated arguments, the
     * closing parenthesis and an optional {@code [arg]}.
     */
    private Expr parseTransformerRemainder(String transformer) {
        lexer.enter();
        try {
            lexer.lexBlank();
            List<Expr> children = new ArrayList<>();
            do {
                children.add(parseTransformerArg());
                lexer.lexBlank();
            } while (lexer.lexStr(","));
            lexer.lexBlank();
            if (!lexer.lexStr(")")) throw lexer.error("expected a ')' token closing the transformer");
            String arg = parseOptionalFieldArg();
            return children.size() == 1
                    ? new Expr.Transform(transformer, children.getFirst(), arg)
                    : new Expr.MultiTransform(transformer, children, arg);
        } finally {
            lexer.leave();
        }
    }

    /** One transformer argument: a number, a quoted string, a transformer list, a transformer or a field. */
    private Expr parseTransformerArg() {
        lexer.enter();
        try {
            lexer.lexBlank();
            if (lexer.lexNumber()) return new Expr.Value(lexer.lastToken());
            if (lexer.lexQuotedStr()) return new Expr.Value(lexer.lastToken());
            if (lexer.lexStr("(")) return parseTransformerList();
            // No blank skipped before the arguments here, unlike tryParseTransformer: the depth check
            // in parseTransformerRemainder reports its error at this position.
            if (lexer.lexList(TRANSFORMERS)) return parseTransformerRemainder(dropParen(lexer.lastToken()));
            if (lexer.lexFieldName()) return parseFieldRemainder(lexer.lastToken());
            throw lexer.error("expected field transformer argument: "
                    + "field, transformer, quoted string, number, or transformer list");
        } finally {
            lexer.leave();
        }
    }

    /** {@code (a, "b", 1)} as a transformer argument, once its "(" is consumed; it may be empty. */
    private Expr parseTransformerList() {
        List<Expr> items = new ArrayList<>();
        lexer.lexBlank();
        if (lexer.lexStr(")")) return new Expr.ArgList(items);
        items.add(parseTransformerListArg());
        lexer.lexBlank();
        while (lexer.lexStr(",")) {
            lexer.lexBlank();
            items.add(parseTransformerListArg());
            lexer.lexBlank();
        }
        if (!lexer.lexStr(")")) throw lexer.error("expected ')'");
        return new Expr.ArgList(items);
    }

    private Expr parseTransformerListArg() {
        if (lexer.lexFieldName()) return parseFieldRemainder(lexer.lastToken());
        Expr transformer = tryParseTransformer();
        if (transformer != null) return transformer;
        if (lexer.lexQuotedStr()) return new Expr.Value(lexer.lastToken());
        if (lexer.lexNumber()) return new Expr.Value(lexer.lastToken());
        throw lexer.error("expected transformer list argument: field, transformer, quoted string, or number");
    }

    private static String dropParen(String token) {
        return token.substring(0, token.length() - 1);
    }
}
