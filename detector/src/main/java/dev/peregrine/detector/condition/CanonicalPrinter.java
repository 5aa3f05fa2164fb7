package dev.peregrine.detector.condition;

import java.util.List;

/**
 * Prints an AST in libsinsp's canonical string form (its {@code string_visitor}): every and/or
 * chain parenthesised, values quoted only when needed, transformer arguments separated by a bare
 * comma. Two conditions with the same meaning-preserving shape print the same. Like libsinsp's,
 * the form of a transformer with literal arguments does not always parse back
 * ({@code join("-", (a.b))} prints as {@code join(-,(a.b))}).
 */
public final class CanonicalPrinter {
    private CanonicalPrinter() {}

    public static String print(Expr e) {
        StringBuilder sb = new StringBuilder();
        append(sb, e);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Expr e) {
        switch (e) {
            case Expr.And a -> logical(sb, "and", a.children());
            case Expr.Or o -> logical(sb, "or", o.children());
            case Expr.Not n -> {
                sb.append("not ");
                append(sb, n.child());
            }
            case Expr.Identifier i -> sb.append(i.name());
            case Expr.Value v -> sb.append(Escaping.escape(v.value()));
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
                fieldArg(sb, f.arg());
            }
            case Expr.Transform t -> {
                sb.append(t.transformer()).append('(');
                append(sb, t.child());
                sb.append(')');
                fieldArg(sb, t.arg());
            }
            case Expr.MultiTransform m -> {
                sb.append(m.transformer()).append('(');
                separated(sb, m.args());
                sb.append(')');
                fieldArg(sb, m.arg());
            }
            case Expr.ArgList l -> {
                sb.append('(');
                separated(sb, l.items());
                sb.append(')');
            }
            case Expr.UnaryCheck u -> {
                append(sb, u.left());
                sb.append(' ').append(u.op());
            }
            case Expr.BinaryCheck b -> {
                append(sb, b.left());
                sb.append(' ').append(b.op()).append(' ');
                append(sb, b.right());
            }
        }
    }

    /** An empty argument prints as {@code [""]} so it stays apart from none. */
    private static void fieldArg(StringBuilder sb, String arg) {
        if (arg == null) return;
        sb.append('[').append(arg.isEmpty() ? "\"\"" : Escaping.escape(arg)).append(']');
    }

    private static void separated(StringBuilder sb, List<Expr> args) {
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) sb.append(',');
            append(sb, args.get(i));
        }
    }

    private static void logical(StringBuilder sb, String op, List<Expr> children) {
        sb.append('(');
        for (int i = 0; i < children.size(); i++) {
            if (i > 0) sb.append(' ').append(op).append(' ');
            append(sb, children.get(i));
        }
        sb.append(')');
    }
}
