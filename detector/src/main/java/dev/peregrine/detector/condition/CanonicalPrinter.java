package dev.peregrine.detector.condition;

import java.util.List;

/**
 * Prints an AST in libsinsp's canonical string form: every and/or chain parenthesised, values
 * quoted only when needed. Two conditions with the same meaning-preserving shape print the same.
 */
public final class CanonicalPrinter {
    private CanonicalPrinter() {}

    public static String print(Expr e) {
        StringBuilder sb = new StringBuilder();
        append(sb, e, false);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Expr e, boolean escapeValue) {
        switch (e) {
            case Expr.And a -> logical(sb, "and", a.children());
            case Expr.Or o -> logical(sb, "or", o.children());
            case Expr.Not n -> {
                sb.append("not ");
                append(sb, n.child(), false);
            }
            case Expr.Identifier i -> sb.append(i.name());
            case Expr.Value v -> sb.append(escapeValue ? Escaping.escape(v.value()) : v.value());
            case Expr.ListValue l -> {
                sb.append('(');
                for (int i = 0; i < l.values().size(); i++) {
                    if (i > 0) sb.append(", ");
                    sb.append(Escaping.escape(l.values().get(i)));
                }
                sb.append(')');
            }
            case Expr.Field f -> {
                sb.append(f.name());
                if (f.hasArg()) sb.append('[').append(Escaping.escape(f.arg())).append(']');
            }
            case Expr.Transform t -> {
                sb.append(t.transformer()).append('(');
                append(sb, t.child(), false);
                sb.append(')');
            }
            case Expr.MultiTransform m -> {
                sb.append(m.transformer()).append('(');
                separated(sb, m.args());
                sb.append(')');
            }
            case Expr.ArgList l -> {
                sb.append('(');
                separated(sb, l.items());
                sb.append(')');
            }
            case Expr.UnaryCheck u -> {
                append(sb, u.left(), false);
                sb.append(' ').append(u.op());
            }
            case Expr.BinaryCheck b -> {
                append(sb, b.left(), false);
                sb.append(' ').append(b.op()).append(' ');
                append(sb, b.right(), true);
            }
        }
    }

    /** Transformer arguments: string literals always quoted, so {@code join("", ...)} prints back the same. */
    private static void separated(StringBuilder sb, List<Expr> args) {
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) sb.append(", ");
            if (args.get(i) instanceof Expr.Value v) {
                sb.append(Escaping.quote(v.value()));
            } else {
                append(sb, args.get(i), false);
            }
        }
    }

    private static void logical(StringBuilder sb, String op, List<Expr> children) {
        sb.append('(');
        for (int i = 0; i < children.size(); i++) {
            if (i > 0) sb.append(' ').append(op).append(' ');
            append(sb, children.get(i), false);
        }
        sb.append(')');
    }
}
