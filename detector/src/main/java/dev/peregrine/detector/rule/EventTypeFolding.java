package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import java.util.ArrayList;
import java.util.List;

/**
 * A condition as seen by events of one type. The ruleset already routes each event to the rules of
 * its type, so a rule's own evt.type checks ({@code spawned_process}, {@code open_read}, ...) would
 * be re-evaluated to a known answer on every event: they are folded into constants and the rest of
 * the condition simplified, before compiling one predicate per (rule, type).
 */
final class EventTypeFolding {
    private EventTypeFolding() {}

    /** The folded condition: {@code constant} is set when nothing is left to evaluate. */
    record Folded(Expr expr, Boolean constant) {
        static final Folded TRUE = new Folded(null, true);
        static final Folded FALSE = new Folded(null, false);

        static Folded of(Expr e) {
            return new Folded(e, null);
        }

        static Folded of(boolean b) {
            return b ? TRUE : FALSE;
        }

        boolean isConstant() {
            return constant != null;
        }
    }

    static Folded fold(Expr e, String type) {
        return switch (e) {
            case Expr.And a -> junction(a.children(), type, false);
            case Expr.Or o -> junction(o.children(), type, true);
            case Expr.Not n -> {
                Folded c = fold(n.child(), type);
                yield c.isConstant() ? Folded.of(!c.constant()) : Folded.of(new Expr.Not(c.expr()));
            }
            case Expr.BinaryCheck b -> typeCheck(b, type);
            default -> Folded.of(e);
        };
    }

    /** and ({@code or} false) / or ({@code or} true): a dominant constant decides, neutral ones drop out. */
    private static Folded junction(List<Expr> children, String type, boolean or) {
        List<Expr> rest = new ArrayList<>();
        for (Expr c : children) {
            Folded f = fold(c, type);
            if (!f.isConstant()) rest.add(f.expr());
            else if (f.constant() == or) return Folded.of(or);
        }
        if (rest.isEmpty()) return Folded.of(!or);
        if (rest.size() == 1) return Folded.of(rest.getFirst());
        return Folded.of(or ? new Expr.Or(rest) : new Expr.And(rest));
    }

    /** evt.type is never missing, so =, !=, in and intersects against literals are decided by the type alone. */
    private static Folded typeCheck(Expr.BinaryCheck b, String type) {
        if (!(b.left() instanceof Expr.Field f) || !f.name().equals("evt.type") || f.hasArg()) return Folded.of(b);
        return switch (b.op()) {
            case "=", "==" ->
                b.right() instanceof Expr.Value v ? Folded.of(v.value().equals(type)) : Folded.of(b);
            case "!=" ->
                b.right() instanceof Expr.Value v ? Folded.of(!v.value().equals(type)) : Folded.of(b);
            case "in", "intersects" ->
                b.right() instanceof Expr.ListValue l ? Folded.of(l.values().contains(type)) : Folded.of(b);
            default -> Folded.of(b);
        };
    }
}
