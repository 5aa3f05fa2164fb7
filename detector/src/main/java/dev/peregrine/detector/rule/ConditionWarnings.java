package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import java.util.List;

/** Load-time warnings about a resolved condition: unsafe {@code <NA>} comparisons and deprecated evt.dir. */
final class ConditionWarnings {
    private ConditionWarnings() {}

    static void check(Expr e, Context ctx, LoadResult result) {
        boolean[] na = {false}, dir = {false};
        walk(e, na, dir);
        if (na[0]) {
            result.warning(
                    LoadCode.LOAD_UNSAFE_NA_CHECK,
                    "comparing a field value with <NA> is unsafe and can lead to "
                            + "unpredictable behavior of the rule condition. If you need to  check for the existence of a field, "
                            + "consider using the 'exists' operator instead.",
                    ctx);
        }
        if (dir[0]) {
            result.warning(
                    LoadCode.LOAD_DEPRECATED_ITEM,
                    "usage of deprecated field 'evt.dir' has been detected in the rule condition",
                    ctx);
        }
    }

    private static void walk(Expr e, boolean[] na, boolean[] dir) {
        switch (e) {
            case Expr.And a -> a.children().forEach(c -> walk(c, na, dir));
            case Expr.Or o -> o.children().forEach(c -> walk(c, na, dir));
            case Expr.Not n -> walk(n.child(), na, dir);
            case Expr.BinaryCheck b -> {
                if (b.left() instanceof Expr.Field f && f.name().equals("evt.dir")) dir[0] = true;
                // Falco only flags fields whose plugins return <NA> as a real value (k8s audit).
                if (b.left() instanceof Expr.Field f
                        && (f.name().startsWith("ka.") || f.name().startsWith("jevt."))
                        && List.of("=", "==", "!=", "in", "intersects", "pmatch")
                                .contains(b.op())) {
                    if (b.right() instanceof Expr.Value v && v.value().equals("<NA>")) na[0] = true;
                    if (b.right() instanceof Expr.ListValue l && l.values().contains("<NA>")) na[0] = true;
                }
            }
            case Expr.UnaryCheck u -> {
                if (u.left() instanceof Expr.Field f && f.name().equals("evt.dir")) dir[0] = true;
            }
            default -> {}
        }
    }
}
