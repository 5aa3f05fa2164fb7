package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The event types a condition can match, derived from its evt.type checks as Falco does to index
 * rules: and intersects, or unites, not complements, and any other check allows every type.
 * {@code negated} means "every type except {@code names}".
 */
public record EventTypes(Set<String> names, boolean negated) {
    public static final EventTypes ALL = new EventTypes(Set.of(), true);

    public boolean isAll() {
        return negated && names.isEmpty();
    }

    public boolean contains(String type) {
        return negated != names.contains(type);
    }

    public static EventTypes of(Expr e) {
        return of(e, false);
    }

    /**
     * Under a negation, "and" unites and "or" intersects (De Morgan), and only evt.type checks flip;
     * a check on any other field allows every type whether negated or not, as in Falco's resolver.
     */
    private static EventTypes of(Expr e, boolean negated) {
        return switch (e) {
            case Expr.And a -> combine(a.children(), negated, !negated);
            case Expr.Or o -> combine(o.children(), negated, negated);
            case Expr.Not n -> of(n.child(), !negated);
            case Expr.BinaryCheck b
            when b.left() instanceof Expr.Field f && f.name().equals("evt.type") && !f.hasArg() -> {
                EventTypes t = switch (b.op()) {
                    case "=", "==" ->
                        b.right() instanceof Expr.Value v ? new EventTypes(Set.of(v.value()), false) : null;
                    case "!=" -> b.right() instanceof Expr.Value v ? new EventTypes(Set.of(v.value()), true) : null;
                    case "in", "intersects" ->
                        b.right() instanceof Expr.ListValue l ? new EventTypes(Set.copyOf(l.values()), false) : null;
                    default -> null;
                };
                yield t == null ? ALL : (negated ? t.complement() : t);
            }
            default -> ALL;
        };
    }

    private static EventTypes combine(List<Expr> children, boolean negated, boolean intersect) {
        EventTypes acc = null;
        for (Expr c : children) {
            EventTypes t = of(c, negated);
            acc = acc == null ? t : (intersect ? acc.intersect(t) : acc.union(t));
        }
        return acc == null ? ALL : acc;
    }

    EventTypes complement() {
        return new EventTypes(names, !negated);
    }

    EventTypes intersect(EventTypes o) {
        if (!negated && !o.negated) return new EventTypes(retain(names, o.names), false);
        if (!negated) return new EventTypes(remove(names, o.names), false);
        if (!o.negated) return new EventTypes(remove(o.names, names), false);
        return new EventTypes(addAll(names, o.names), true);
    }

    EventTypes union(EventTypes o) {
        if (!negated && !o.negated) return new EventTypes(addAll(names, o.names), false);
        if (negated && o.negated) return new EventTypes(retain(names, o.names), true);
        Set<String> excluded = negated ? names : o.names;
        Set<String> included = negated ? o.names : names;
        return new EventTypes(remove(excluded, included), true);
    }

    private static Set<String> retain(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.retainAll(b);
        return Set.copyOf(s);
    }

    private static Set<String> remove(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.removeAll(b);
        return Set.copyOf(s);
    }

    private static Set<String> addAll(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }
}
