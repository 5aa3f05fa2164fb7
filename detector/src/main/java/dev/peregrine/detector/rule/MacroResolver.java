package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces macro identifiers with the macros' (already resolved) ASTs. Unknown identifiers and
 * reference loops are reported with Falco's messages.
 */
final class MacroResolver {
    private final Map<String, Expr> macros;
    private final Set<String> used = new LinkedHashSet<>();
    private final Deque<String> active = new ArrayDeque<>();

    MacroResolver(Map<String, Expr> visibleMacros) {
        this.macros = visibleMacros;
    }

    Set<String> used() {
        return used;
    }

    Expr resolve(Expr e) {
        return switch (e) {
            case Expr.And a ->
                new Expr.And(a.children().stream().map(this::resolve).toList());
            case Expr.Or o ->
                new Expr.Or(o.children().stream().map(this::resolve).toList());
            case Expr.Not n -> new Expr.Not(resolve(n.child()));
            case Expr.Identifier i -> {
                Expr body = macros.get(i.name());
                if (body == null)
                    throw new RuleLoadException(
                            LoadCode.LOAD_ERR_VALIDATE, "Undefined macro '" + i.name() + "' used in filter.", null);
                if (active.contains(i.name()))
                    throw new RuleLoadException(
                            LoadCode.LOAD_ERR_VALIDATE, "reference loop in macro '" + i.name() + "'", null);
                used.add(i.name());
                active.push(i.name());
                try {
                    yield resolve(body);
                } finally {
                    active.pop();
                }
            }
            default -> e;
        };
    }

    static boolean mentionsIdentifier(Expr e) {
        return switch (e) {
            case Expr.And a -> a.children().stream().anyMatch(MacroResolver::mentionsIdentifier);
            case Expr.Or o -> o.children().stream().anyMatch(MacroResolver::mentionsIdentifier);
            case Expr.Not n -> mentionsIdentifier(n.child());
            case Expr.Identifier i -> true;
            default -> false;
        };
    }

    static List<Expr> children(Expr e) {
        return switch (e) {
            case Expr.And a -> a.children();
            case Expr.Or o -> o.children();
            case Expr.Not n -> List.of(n.child());
            default -> List.of();
        };
    }
}
