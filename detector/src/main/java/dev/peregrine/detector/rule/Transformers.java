package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * libsinsp's field transformers as accessors: the single-value ones ({@code tolower}, {@code len},
 * ...), the multivalue ones ({@code join}, {@code concat}, {@code getopt}) and the literals and
 * lists they take as arguments. Argument checks and their messages are libsinsp 0.25's. Only
 * {@code val} and the single-value transformers of a field run on the common path; the others
 * build strings and lists per evaluation, so a condition using them allocates.
 */
final class Transformers {
    private final Function<Expr, Accessor> fields;

    /** {@code fields} resolves a field or a nested transformer (the compiler's operand). */
    Transformers(Function<Expr, Accessor> fields) {
        this.fields = fields;
    }

    /** A list value that is built per evaluation; null when absent (an item of it was). */
    interface ListSource {
        List<String> values(Event e);
    }

    /** A list operand, as libsinsp's list_check: {@link #isList()} is true and it may be present and empty. */
    static final class ListAccessor implements Accessor {
        final ListSource source;

        ListAccessor(ListSource source) {
            this.source = source;
        }

        @Override
        public FieldType type() {
            return FieldType.CHARBUF;
        }

        @Override
        public boolean isList() {
            return true;
        }

        @Override
        public boolean exists(Event e) {
            return source.values(e) != null;
        }

        @Override
        public int count(Event e) {
            List<String> v = source.values(e);
            return v == null ? 0 : v.size();
        }

        @Override
        public String textAt(Event e, int i) {
            List<String> v = source.values(e);
            return v == null || i >= v.size() ? null : v.get(i);
        }
    }

    /** One transformer argument: a literal, a transformer list, a field or a transformer. */
    Accessor argument(Expr e) {
        return switch (e) {
            case Expr.Value v -> constant(v.value());
            case Expr.ArgList l -> list(l);
            default -> fields.apply(e);
        };
    }

    /** {@code name(child)[arg]}: val and the single-value transformers. */
    Accessor single(Expr.Transform t) {
        if (t.transformer().equals("val")) {
            if (t.arg() != null)
                throw new CompileException("filter error: transformer 'val' does not support field arguments", false);
            return argument(t.child());
        }
        if (t.arg() != null) {
            throw new CompileException(
                    "filter error: transformer '" + t.transformer() + "' does not support field arguments", false);
        }
        if (List.of("join", "concat", "getopt").contains(t.transformer())) {
            // As libsinsp: one argument makes it a single-value transformer, and there is none by that name.
            throw new CompileException("unknown field transfomer '" + t.transformer() + "'", false);
        }
        return transform(t.transformer(), argument(t.child()));
    }

    /** {@code name(a, b, ...)[arg]}: join, concat and getopt. */
    Accessor multi(Expr.MultiTransform m) {
        List<Accessor> args = new ArrayList<>();
        switch (m.transformer()) {
            case "join", "concat", "getopt" -> {
                for (Expr a : m.args()) args.add(argument(a));
            }
            default -> throw new CompileException("unknown multivalue transformer", false);
        }
        if (m.arg() != null && !m.transformer().equals("getopt")) {
            throw new CompileException("transformer '" + m.transformer() + "' does not support field arguments", false);
        }
        return switch (m.transformer()) {
            case "join" -> join(args);
            case "concat" -> concat(args);
            default -> Getopt.accessor(args, m.arg());
        };
    }

    private static Accessor constant(String literal) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return FieldType.CHARBUF;
            }

            @Override
            public String textAt(Event e, int i) {
                return literal;
            }
        };
    }

    /** {@code (a, "b", 1)}: items in order, a list item's values spliced in; absent when an item is. */
    private ListAccessor list(Expr.ArgList l) {
        Accessor[] items = l.items().stream().map(this::argument).toArray(Accessor[]::new);
        return new ListAccessor(e -> {
            List<String> out = new ArrayList<>(items.length);
            for (Accessor item : items) {
                if (!appendValues(item, e, out)) return null;
            }
            return out;
        });
    }

    /** Adds one argument's values (numbers as outputs print them); false when it is absent. */
    static boolean appendValues(Accessor a, Event e, List<String> out) {
        if (a instanceof ListAccessor la) {
            List<String> v = la.source.values(e);
            if (v == null) return false;
            out.addAll(v);
            return true;
        }
        String v = a.display(e);
        if (v == null) return false;
        out.add(v);
        return true;
    }

    /** {@code join(sep, list)}: the list's values joined by the separator. */
    private static Accessor join(List<Accessor> args) {
        if (args.size() != 2)
            throw new CompileException("join() requires exactly 2 arguments: separator and list", false);
        if (args.get(0).isList()) {
            throw new CompileException("join() first argument (separator) must be a single value, not a list", false);
        }
        if (!args.get(1).isList()) throw new CompileException("join() second argument must be a list", false);
        Accessor sep = args.get(0);
        ListAccessor list = (ListAccessor) args.get(1);
        return text(e -> {
            String s = sep.display(e);
            if (s == null) return null;
            List<String> values = list.source.values(e);
            return values == null ? null : String.join(s, values);
        });
    }

    /** {@code concat(a, b, ...)}: at least two string values, concatenated. */
    private static Accessor concat(List<Accessor> args) {
        if (args.size() < 2) throw new CompileException("concat() requires at least 2 arguments", false);
        for (Accessor a : args) {
            if (a.isList() || a.type() != FieldType.CHARBUF)
                throw new CompileException("concat() arguments must be strings", false);
        }
        Accessor[] parts = args.toArray(Accessor[]::new);
        return text(e -> {
            StringBuilder sb = new StringBuilder();
            for (Accessor p : parts) {
                String v = p.text(e);
                if (v == null) return null;
                sb.append(v);
            }
            return sb.toString();
        });
    }

    static Accessor text(Function<Event, String> f) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return FieldType.CHARBUF;
            }

            @Override
            public String textAt(Event e, int i) {
                return f.apply(e);
            }
        };
    }

    /** tolower, toupper, b64, basename and len of a text value or, value by value, of a list. */
    static Accessor transform(String name, Accessor in) {
        if (in.type() != FieldType.CHARBUF && in.type() != FieldType.BYTEBUF) {
            throw new CompileException(
                    "transformer '" + name + "' is not supported on fields of type " + in.type(), false);
        }
        if (name.equals("len")) {
            if (in instanceof ListAccessor list) {
                // len of a list is its number of items, as in libsinsp.
                return new Accessor() {
                    @Override
                    public FieldType type() {
                        return FieldType.UINT64;
                    }

                    @Override
                    public long numberAt(Event e, int i) {
                        List<String> v = list.source.values(e);
                        return v == null ? Event.NONE : v.size();
                    }
                };
            }
            return new Accessor() {
                @Override
                public FieldType type() {
                    return FieldType.UINT64;
                }

                @Override
                public long numberAt(Event e, int i) {
                    String s = in.textAt(e, i);
                    return s == null ? Event.NONE : s.length();
                }
            };
        }
        UnaryOperator<String> f = switch (name) {
            case "tolower" -> s -> s.toLowerCase(Locale.ROOT);
            case "toupper" -> s -> s.toUpperCase(Locale.ROOT);
            case "basename" -> s -> s.substring(s.lastIndexOf('/') + 1);
            case "b64" ->
                s -> {
                    try {
                        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException bad) {
                        return null;
                    }
                };
            default -> throw new CompileException("unknown transformer '" + name + "'", false);
        };
        if (in instanceof ListAccessor list) {
            return new ListAccessor(e -> {
                List<String> v = list.source.values(e);
                if (v == null) return null;
                List<String> out = new ArrayList<>(v.size());
                for (String s : v) {
                    String t = f.apply(s);
                    if (t == null) return null;
                    out.add(t);
                }
                return out;
            });
        }
        return new Accessor() {
            @Override
            public FieldType type() {
                return FieldType.CHARBUF;
            }

            @Override
            public boolean multiValued() {
                return in.multiValued();
            }

            @Override
            public int count(Event e) {
                return in.count(e);
            }

            @Override
            public String textAt(Event e, int i) {
                String s = in.textAt(e, i);
                return s == null ? null : f.apply(s);
            }
        };
    }
}
