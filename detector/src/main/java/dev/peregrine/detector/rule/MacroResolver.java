package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces macro identifiers with the macros' ASTs. Unknown identifiers and reference loops are
 * reported with Falco's messages.
 *
 * <p>A macro is expanded once per resolver and every reference to it gets the same subtree: the
 * result is a graph that shares subtrees, not a copy per reference, and nodes without a macro
 * below them are kept as they are. Resolving is therefore linear in the number of distinct nodes
 * even when each macro refers to the one before it twice, where copying would double the work at
 * every level (Falco copies, and takes exponential time on such files). The expanded size is
 * bounded afterwards (see {@link ExpansionLimits}), before anything walks the condition as a tree.
 */
final class MacroResolver {
    private final Map<String, Expr> macros;
    /** Macro bodies already free of identifiers: substituted as they are, without a walk. */
    private final Set<Expr> settled;

    private final Set<String> used = new LinkedHashSet<>();
    private final Deque<String> active = new ArrayDeque<>();
    private final Map<String, Expr> expanded = new HashMap<>();
    private final Map<Expr, Expr> resolved = new IdentityHashMap<>();
    /** How deep the walk is: past {@link ExpansionLimits#MAX_DEPTH} the expansion is refused, before the stack is at risk. */
    private int depth;

    MacroResolver(Map<String, Expr> visibleMacros, Set<Expr> settled) {
        this.macros = visibleMacros;
        this.settled = settled;
    }

    MacroResolver(Map<String, Expr> visibleMacros) {
        this(visibleMacros, Set.of());
    }

    Set<String> used() {
        return used;
    }

    Expr resolve(Expr e) {
        if (settled.contains(e)) return e;
        Expr known = resolved.get(e);
        if (known != null) return known;
        if (++depth > ExpansionLimits.MAX_DEPTH) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_COMPILE_CONDITION,
                    "exceeded max depth limit of " + ExpansionLimits.MAX_DEPTH + " after macro expansion",
                    null);
        }
        try {
            Expr out = resolveNode(e);
            resolved.put(e, out);
            return out;
        } finally {
            depth--;
        }
    }

    private Expr resolveNode(Expr e) {
        return switch (e) {
            case Expr.And a -> {
                List<Expr> children = resolveAll(a.children());
                yield children == a.children() ? a : new Expr.And(children);
            }
            case Expr.Or o -> {
                List<Expr> children = resolveAll(o.children());
                yield children == o.children() ? o : new Expr.Or(children);
            }
            case Expr.Not n -> {
                Expr child = resolve(n.child());
                yield child == n.child() ? n : new Expr.Not(child);
            }
            case Expr.Identifier i -> expand(i.name());
            default -> e;
        };
    }

    private Expr expand(String name) {
        Expr body = macros.get(name);
        if (body == null)
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "Undefined macro '" + name + "' used in filter.", null);
        if (active.contains(name))
            throw new RuleLoadException(LoadCode.LOAD_ERR_VALIDATE, "reference loop in macro '" + name + "'", null);
        used.add(name);
        Expr done = expanded.get(name);
        if (done != null) return done;
        active.push(name);
        try {
            Expr out = resolve(body);
            expanded.put(name, out);
            return out;
        } finally {
            active.pop();
        }
    }

    /** The same list object when no child changed, so that unchanged parents are kept too. */
    private List<Expr> resolveAll(List<Expr> children) {
        Expr[] out = null;
        for (int i = 0; i < children.size(); i++) {
            Expr c = children.get(i);
            Expr r = resolve(c);
            if (r != c && out == null) {
                out = children.toArray(Expr[]::new);
            }
            if (out != null) out[i] = r;
        }
        return out == null ? children : List.of(out);
    }
}
