package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounds on a rule's condition once macros and lists are expanded. Macro expansion shares
 * subtrees (see {@link MacroResolver}), but what comes after it (event-type folding, compiling,
 * printing the condition) walks it as a tree, and a few lines of macros that each use the one
 * before twice describe a tree of 2^40 nodes. Sizes are measured on the shared graph, in time
 * linear in its distinct nodes; a condition past a bound is refused before anything walks it.
 */
final class ExpansionLimits {
    /**
     * Nodes of the expanded tree, list items counted: about 800x the largest rule of Falco's three
     * shipped files (1,278 nodes, nesting 8 deep), so real rules files never meet it.
     */
    static final long MAX_NODES = 1_000_000;

    /** Nesting of the expanded tree: the parser's own limit for one condition is 1000 too. */
    static final int MAX_DEPTH = 1000;

    /**
     * Characters of a condition once lists are substituted (a list of lists can double at each
     * level): 16 Mi, room for a 10 MB condition and its lists.
     */
    static final int MAX_TEXT = 16 * 1024 * 1024;

    private ExpansionLimits() {}

    record Size(long nodes, int depth) {}

    /** Throws a LOAD_ERR_COMPILE_CONDITION error at {@code ctx} when the expanded condition is too big. */
    static void check(Expr e, Context ctx) {
        Size s = measure(e);
        if (s.nodes() > MAX_NODES) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_COMPILE_CONDITION,
                    "exceeded max expanded condition size of " + MAX_NODES
                            + " nodes: the condition is too large after macro and list expansion",
                    ctx);
        }
        if (s.depth() > MAX_DEPTH) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_COMPILE_CONDITION,
                    "exceeded max depth limit of " + MAX_DEPTH + " after macro expansion",
                    ctx);
        }
    }

    static Size measure(Expr e) {
        return measure(e, new IdentityHashMap<>());
    }

    private static Size measure(Expr e, Map<Expr, Size> known) {
        Size k = known.get(e);
        if (k != null) return k;
        Size s = switch (e) {
            case Expr.And a -> children(a.children(), known);
            case Expr.Or o -> children(o.children(), known);
            case Expr.Not n -> children(List.of(n.child()), known);
            case Expr.BinaryCheck b -> children(List.of(b.left(), b.right()), known);
            case Expr.UnaryCheck u -> children(List.of(u.left()), known);
            case Expr.Transform t -> children(List.of(t.child()), known);
            case Expr.MultiTransform m -> children(m.args(), known);
            case Expr.ArgList l -> children(l.items(), known);
            case Expr.ListValue l -> new Size(1 + l.values().size(), 1);
            default -> new Size(1, 1);
        };
        known.put(e, s);
        return s;
    }

    /** One node above {@code children}; the count saturates instead of overflowing. */
    private static Size children(List<Expr> children, Map<Expr, Size> known) {
        long nodes = 1;
        int depth = 0;
        for (Expr c : children) {
            Size s = measure(c, known);
            nodes = Math.min(Long.MAX_VALUE / 2, nodes + s.nodes());
            depth = Math.max(depth, s.depth());
        }
        return new Size(nodes, depth + 1);
    }
}
