package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.CanonicalPrinter;
import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.field.FieldException;
import dev.peregrine.detector.field.FieldType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a macro-free condition AST into an {@link EventPredicate}. Fields become accessors, operands
 * become precompiled matchers, and a missing field fails every check except {@code exists}, as in libsinsp.
 */
public final class ConditionCompiler {
    private final FieldCatalogue catalogue;
    /** Every and/or chain compiled so far, by expression: equal chains of different rules are one {@link Junction}. */
    private final Map<Expr, Junction> junctions = new HashMap<>();

    /**
     * What each node object compiled to. Macros that several places use are one shared subtree
     * after expansion (see MacroResolver): each is compiled once, so compiling stays linear in
     * the expanded condition's distinct nodes.
     */
    private final Map<Expr, EventPredicate> compiled = new IdentityHashMap<>();

    private final Transformers transformers = new Transformers(this::operand);

    public ConditionCompiler(FieldCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    public EventPredicate compile(Expr e) {
        EventPredicate known = compiled.get(e);
        if (known != null) {
            // The same node in a second place (a macro that two rules use): its answer is worth remembering.
            if (known instanceof Junction j) j.shared = true;
            return known;
        }
        EventPredicate p = compileNode(e);
        compiled.put(e, p);
        return p;
    }

    private EventPredicate compileNode(Expr e) {
        return switch (e) {
            case Expr.And a -> junction(a, a.children(), false);
            case Expr.Or o -> junction(o, o.children(), true);
            case Expr.Not n -> {
                EventPredicate p = compile(n.child());
                yield ev -> !p.test(ev);
            }
            case Expr.Identifier i ->
                throw new CompileException("Undefined macro '" + i.name() + "' used in filter.", false);
            case Expr.UnaryCheck u -> exists(operand(u.left()));
            case Expr.BinaryCheck b -> check(b);
            default -> throw new CompileException("unexpected expression in check position: " + e, false);
        };
    }

    private EventPredicate junction(Expr e, List<Expr> children, boolean or) {
        Junction known = junctions.get(e);
        if (known != null) {
            known.shared = true;
            return known;
        }
        Junction j = new Junction(children.stream().map(this::compile).toArray(EventPredicate[]::new), or);
        junctions.put(e, j);
        return j;
    }

    /**
     * A chain of and (or: of or). Rules share macros: open_read, sensitive_files and open_write
     * each open several of the stable rules an openat visits in turn, and were evaluated once per
     * rule. A chain compiled once for several rules is {@code shared} and remembers its last
     * answer with the serial of the event it was for, so the next rule asking about the same
     * event gets the answer without evaluating again. Conditions are pure (reading a field at most
     * fills a cache of the event), so the answer is the same.
     */
    static final class Junction implements EventPredicate {
        private static final VarHandle LAST;

        static {
            try {
                LAST = MethodHandles.lookup().findVarHandle(Junction.class, "last", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final EventPredicate[] parts;
        private final boolean or;
        /** Set while rules are compiled, before any evaluation. */
        boolean shared;
        /**
         * {@code serial << 1 | answer} for the last event asked about, in one word read and
         * written without tearing (opaque access, a plain move on x86): a thread evaluating
         * another event sees a serial that is not its event's and evaluates again.
         */
        @SuppressWarnings("unused")
        private long last = -1;

        Junction(EventPredicate[] parts, boolean or) {
            this.parts = parts;
            this.or = or;
        }

        @Override
        public boolean test(Event e) {
            if (!shared) {
                return evaluate(e);
            }
            long remembered = (long) LAST.getOpaque(this);
            if (remembered >>> 1 == e.serial) {
                return (remembered & 1) != 0;
            }
            boolean answer = evaluate(e);
            LAST.setOpaque(this, e.serial << 1 | (answer ? 1 : 0));
            return answer;
        }

        private boolean evaluate(Event e) {
            for (EventPredicate p : parts) {
                if (p.test(e) == or) return or;
            }
            return !or;
        }
    }

    private static EventPredicate exists(Accessor a) {
        if (a.isList()) return a::exists;
        return ev -> a.count(ev) > 0;
    }

    /** The left side of a check, or the argument of val(): a field, possibly transformed. */
    Accessor operand(Expr e) {
        return switch (e) {
            case Expr.Field f -> {
                try {
                    yield catalogue.resolve(f.name(), f.arg());
                } catch (FieldException ex) {
                    throw new CompileException(ex.getMessage(), ex.unknownField());
                }
            }
            case Expr.Transform t -> transformers.single(t);
            case Expr.MultiTransform m -> transformers.multi(m);
            default -> throw new CompileException("expected a field or a transformer", false);
        };
    }

    private EventPredicate check(Expr.BinaryCheck b) {
        Accessor left = operand(b.left());
        String field = describe(b.left());
        if (b.left() instanceof Expr.Field f && f.name().equals("evt.type") && !f.hasArg()) checkEventTypes(b.right());
        int blank = b.op().indexOf(' ');
        if (blank > 0) {
            List<String> values = switch (b.right()) {
                case Expr.ListValue l -> l.values();
                // A list name that was never substituted is one element, as in libsinsp.
                case Expr.Value v -> List.of(v.value());
                default -> throw new CompileException("unexpected right operand for '" + field + "'", false);
            };
            return ModifierChecks.compile(
                    left,
                    field,
                    b.op().substring(0, blank),
                    ModifierChecks.Modifier.of(b.op().substring(blank + 1)),
                    values);
        }
        if (left.isList()) return listCheck((Transformers.ListAccessor) left, b);
        boolean negate = b.op().equals("!=");
        String op = negate ? "=" : b.op();
        EventPredicate any = switch (b.right()) {
            case Expr.Value v -> literal(left, field, op, List.of(v.value()));
            case Expr.ListValue l -> literal(left, field, op, l.values());
            case Expr.Transform t -> fieldToField(left, field, op, operand(t));
            case Expr.MultiTransform m -> fieldToField(left, field, op, operand(m));
            default -> throw new CompileException("unexpected right operand for '" + field + "'", false);
        };
        if (!negate) return any;
        // "!=" fails on a missing field, like every check but exists, and otherwise means "no value equals".
        return ev -> left.count(ev) > 0 && !any.test(ev);
    }

    /**
     * A list value compared as a whole: {@code in} when every item is in the set (an empty list
     * is), {@code intersects} when some item is. libsinsp allows no other operator on a list.
     */
    private static EventPredicate listCheck(Transformers.ListAccessor list, Expr.BinaryCheck b) {
        String op = b.op();
        if (!op.equals("in") && !op.equals("intersects")) {
            throw new CompileException(
                    "filter error: '" + (op.equals("==") ? "=" : op) + "' operator not supported list filters", false);
        }
        List<String> values = switch (b.right()) {
            case Expr.ListValue l -> l.values();
            case Expr.Value v -> List.of(v.value());
            default ->
                throw new CompileException("filter error: a list can only be compared with literal values", false);
        };
        ValueMatchers.TextSet set = new ValueMatchers.TextSet(values);
        boolean all = op.equals("in");
        return ev -> {
            List<String> items = list.source.values(ev);
            if (items == null) return false;
            for (String item : items) {
                if (set.contains(item) != all) return !all;
            }
            return all;
        };
    }

    /**
     * libsinsp validates every evt.type operand whatever the operator. The error counts as an unknown
     * filter, so a rule with skip-if-unknown-filter is skipped with a warning instead (Falco's
     * err_is_unknown_type_or_field).
     */
    private static void checkEventTypes(Expr right) {
        List<String> values = switch (right) {
            case Expr.Value v -> List.of(v.value());
            case Expr.ListValue l -> l.values();
            default -> List.of();
        };
        for (String v : values) {
            if (!EventTypeNames.isKnown(v)) throw new CompileException(EventTypeNames.unknownMessage(v), true);
        }
    }

    private static String describe(Expr e) {
        return switch (e) {
            case Expr.Field f -> f.display();
            case Expr.Transform t when t.arg() == null -> t.transformer() + "(" + describe(t.child()) + ")";
            default -> CanonicalPrinter.print(e);
        };
    }

    private static EventPredicate literal(Accessor a, String field, String op, List<String> values) {
        FieldType type = a.type();
        if (type.isNumeric()) {
            return numeric(a, op, values, field);
        }
        if (type == FieldType.BOOL) {
            if (!op.equals("=") && !op.equals("==")) {
                throw new CompileException(
                        "operator '" + op + "' not supported by boolean field '" + field + "'", false);
            }
            long want = ValueMatchers.parseBool(values.getFirst(), field);
            return ev -> a.number(ev) == want;
        }
        boolean addressEquality = type == FieldType.IPADDR
                && List.of("=", "==", "in", "intersects").contains(op);
        if (type == FieldType.IPNET || addressEquality) {
            if (!List.of("=", "==", "in", "intersects").contains(op)) {
                throw new CompileException(
                        "operator '" + op + "' not supported by network field '" + field + "'", false);
            }
            // Addresses compare as numbers, so "::1" equals "0:0::1"; IPv6 values are read only when a value needs
            // them.
            ValueMatchers.Networks nets = ValueMatchers.networks(values, field, addressEquality);
            boolean v6 = nets.hasV6();
            return ev -> {
                int n = a.count(ev);
                for (int i = 0; i < n; i++) {
                    long v4 = a.ipv4At(ev, i);
                    if (v4 >= 0) {
                        if (nets.matchesV4(v4)) return true;
                    } else if (v6 && a.isIpv6At(ev, i) && nets.matchesV6(a.ipv6HiAt(ev, i), a.ipv6LoAt(ev, i))) {
                        return true;
                    }
                }
                return false;
            };
        }
        if (List.of("<", "<=", ">", ">=").contains(op)) {
            throw new CompileException("operator '" + op + "' not supported by string field '" + field + "'", false);
        }
        ValueMatchers.TextMatcher m = ValueMatchers.text(op, values, field);
        if (!a.multiValued()) {
            // The two most common checks skip the matcher indirection: every hop is a megamorphic call.
            if (op.equals("=") || op.equals("==")) {
                String v = values.isEmpty() ? "" : values.getFirst();
                return ev -> v.equals(a.text(ev));
            }
            if (op.equals("in") || op.equals("intersects")) {
                ValueMatchers.TextSet set = new ValueMatchers.TextSet(values);
                return ev -> {
                    String s = a.text(ev);
                    return s != null && set.contains(s);
                };
            }
            return ev -> {
                String s = a.text(ev);
                return s != null && m.matches(s);
            };
        }
        return ev -> {
            int n = a.count(ev);
            for (int i = 0; i < n; i++) {
                String s = a.textAt(ev, i);
                if (s != null && m.matches(s)) return true;
            }
            return false;
        };
    }

    private static EventPredicate numeric(Accessor a, String op, List<String> values, String field) {
        ValueMatchers.NumberMatcher m = ValueMatchers.number(op, values, field);
        if (!a.multiValued() && values.size() == 1) {
            long v = ValueMatchers.parseNumber(values.getFirst(), field);
            switch (op) {
                case "=", "==" -> {
                    return ev -> {
                        long x = a.number(ev);
                        return x != Event.NONE && x == v;
                    };
                }
                case "<" -> {
                    return ev -> {
                        long x = a.number(ev);
                        return x != Event.NONE && x < v;
                    };
                }
                case "<=" -> {
                    return ev -> {
                        long x = a.number(ev);
                        return x != Event.NONE && x <= v;
                    };
                }
                case ">" -> {
                    return ev -> {
                        long x = a.number(ev);
                        return x != Event.NONE && x > v;
                    };
                }
                case ">=" -> {
                    return ev -> {
                        long x = a.number(ev);
                        return x != Event.NONE && x >= v;
                    };
                }
                default -> {}
            }
        }
        if (!a.multiValued()) {
            return ev -> {
                long v = a.number(ev);
                return v != Event.NONE && m.matches(v);
            };
        }
        return ev -> {
            int n = a.count(ev);
            for (int i = 0; i < n; i++) {
                long v = a.numberAt(ev, i);
                if (v != Event.NONE && m.matches(v)) return true;
            }
            return false;
        };
    }

    /** {@code left op val(other)}: both sides read from the same event. */
    private static EventPredicate fieldToField(Accessor left, String field, String op, Accessor right) {
        if (left.type().isNumeric() || left.type() == FieldType.BOOL) {
            return ev -> {
                long x = left.number(ev), y = right.number(ev);
                if (x == Event.NONE || y == Event.NONE) return false;
                return switch (op) {
                    case "=", "==" -> x == y;
                    case "<" -> x < y;
                    case "<=" -> x <= y;
                    case ">" -> x > y;
                    case ">=" -> x >= y;
                    default -> false;
                };
            };
        }
        if (!List.of("=", "==", "contains", "icontains", "startswith", "endswith")
                .contains(op)) {
            throw new CompileException(
                    "operator '" + op + "' cannot compare field '" + field + "' with another field", false);
        }
        return ev -> {
            String x = left.text(ev), y = right.display(ev);
            if (x == null || y == null) return false;
            return switch (op) {
                case "contains" -> x.contains(y);
                case "icontains" -> x.toLowerCase(Locale.ROOT).contains(y.toLowerCase(Locale.ROOT));
                case "startswith" -> x.startsWith(y);
                case "endswith" -> x.endsWith(y);
                default -> x.equals(y);
            };
        };
    }
}
