package dev.peregrine.detector.rule;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldType;
import java.util.Arrays;
import java.util.List;

/**
 * Checks with a comparison modifier, {@code field op oneof|anyof|allof (e1, e2, ...)}. As in
 * libsinsp 0.25 (Falco 0.44) a modifier is sugar over the elements: with {@code n} the number of
 * elements {@code e} (duplicates counted) for which {@code field op e} holds, {@code oneof} is
 * {@code n == 1}, {@code anyof} {@code n >= 1} and {@code allof} {@code n == size}; an empty list
 * matches nothing, nor does a missing field. {@code field op e} means what the same check without
 * a modifier means, so for a field with several values (an ancestor field without an index,
 * fd.ip, fd.port) {@code e} counts when some value satisfies it (for {@code !=}: when none equals
 * it). libsinsp 0.25 compares those fields with the first element only; this engine applies the
 * modifier as documented. List values (getopt, transformer lists) refuse modifiers, as in libsinsp.
 *
 * <p>Elements are compiled once (a count table, a trie, an automaton: {@link TextElements});
 * per event a single-valued text field costs one lookup or one pass over its characters.
 */
final class ModifierChecks {
    private ModifierChecks() {}

    enum Modifier {
        ONEOF,
        ANYOF,
        ALLOF;

        static Modifier of(String word) {
            return switch (word) {
                case "oneof" -> ONEOF;
                case "anyof" -> ANYOF;
                case "allof" -> ALLOF;
                default -> throw new CompileException("unrecognized filter comparison modifier '" + word + "'", false);
            };
        }

        /** Whether {@code matched} elements out of {@code size} satisfy the modifier. */
        boolean accepts(int matched, int size) {
            return switch (this) {
                case ONEOF -> matched == 1;
                case ANYOF -> matched > 0;
                case ALLOF -> matched == size;
            };
        }

        /** How far counting must go to decide. */
        int limit(int size) {
            return switch (this) {
                case ONEOF -> 1;
                case ANYOF -> 0;
                case ALLOF -> size;
            };
        }
    }

    static EventPredicate compile(Accessor a, String field, String op, Modifier mod, List<String> values) {
        String full = op + " " + mod.name().toLowerCase(java.util.Locale.ROOT);
        if (a.isList()) {
            throw new CompileException(
                    "filter error: '" + baseName(op) + "' operator not supported list filters", false);
        }
        FieldType type = a.type();
        boolean equality = op.equals("=") || op.equals("==") || op.equals("!=");
        boolean negated = op.equals("!=");
        if (type.isNumeric() || type == FieldType.BOOL) {
            if (!equality) {
                throw new CompileException(
                        "operator '" + full + "' not supported by "
                                + (type == FieldType.BOOL ? "boolean" : "numeric")
                                + " field '" + field + "'",
                        false);
            }
            long[] sorted = values.stream()
                    .mapToLong(v -> type == FieldType.BOOL
                            ? ValueMatchers.parseBool(v, field)
                            : ValueMatchers.parseNumber(v, field))
                    .sorted()
                    .toArray();
            return numbers(a, sorted, negated, mod);
        }
        if (type == FieldType.IPNET || (type == FieldType.IPADDR && equality)) {
            if (!equality) {
                throw new CompileException(
                        "'" + baseName(op) + "' with modifier not supported for ip address and network filters", false);
            }
            return networks(
                    a, ValueMatchers.networks(values, field, type == FieldType.IPADDR), values.size(), negated, mod);
        }
        int size = values.size();
        if (size == 0) return e -> false;
        TextElements elements = TextElements.of(negated ? "=" : op, values, field);
        if (elements == null) {
            throw new CompileException("operator '" + full + "' not supported by string field '" + field + "'", false);
        }
        if (a.multiValued()) return multiText(a, elements, values, op, negated, mod, field);
        int limit = mod.limit(size);
        if (negated) {
            // e counts when s != e: all elements but those equal to s.
            return e -> {
                String s = a.text(e);
                return s != null && mod.accepts(size - elements.count(s, Integer.MAX_VALUE), size);
            };
        }
        if (mod == Modifier.ANYOF) {
            return e -> {
                String s = a.text(e);
                return s != null && elements.any(s);
            };
        }
        return e -> {
            String s = a.text(e);
            return s != null && mod.accepts(elements.count(s, limit), size);
        };
    }

    /** libsinsp's name of an operator in its messages ("==" is "="). */
    private static String baseName(String op) {
        return op.equals("==") ? "=" : op;
    }

    /**
     * A field with several values: element e counts when some value satisfies it ({@code !=}:
     * when the field is there and no value equals e). The elements are tried one by one here,
     * each through its precompiled matcher: these fields have few values and rules rarely put
     * modifiers on them.
     */
    private static EventPredicate multiText(
            Accessor a, TextElements all, List<String> values, String op, boolean negated, Modifier mod, String field) {
        int size = values.size();
        TextElements[] each = values.stream()
                .map(v -> TextElements.of(negated ? "=" : op, List.of(v), field))
                .toArray(TextElements[]::new);
        return e -> {
            int n = a.count(e);
            if (n == 0) return false;
            if (mod == Modifier.ANYOF && !negated) {
                for (int i = 0; i < n; i++) {
                    String s = a.textAt(e, i);
                    if (s != null && all.any(s)) return true;
                }
                return false;
            }
            int matched = 0;
            for (TextElements element : each) {
                boolean some = false;
                for (int i = 0; i < n && !some; i++) {
                    String s = a.textAt(e, i);
                    some = s != null && element.any(s);
                }
                if (some != negated) matched++;
            }
            return mod.accepts(matched, size);
        };
    }

    private static EventPredicate numbers(Accessor a, long[] sorted, boolean negated, Modifier mod) {
        int size = sorted.length;
        if (size == 0) return e -> false;
        if (!a.multiValued()) {
            return e -> {
                long v = a.number(e);
                if (v == Event.NONE) return false;
                int equal = occurrences(sorted, v);
                return mod.accepts(negated ? size - equal : equal, size);
            };
        }
        return e -> {
            int n = a.count(e);
            if (n == 0) return false;
            // Elements equal to some value: each distinct value once.
            int equal = 0;
            for (int i = 0; i < n; i++) {
                long v = a.numberAt(e, i);
                if (v == Event.NONE) continue;
                boolean repeated = false;
                for (int j = 0; j < i && !repeated; j++) repeated = a.numberAt(e, j) == v;
                if (!repeated) equal += occurrences(sorted, v);
            }
            return mod.accepts(negated ? size - equal : equal, size);
        };
    }

    /** How many times {@code v} occurs in {@code sorted}. */
    static int occurrences(long[] sorted, long v) {
        int at = Arrays.binarySearch(sorted, v);
        if (at < 0) return 0;
        int lo = at, hi = at;
        while (lo > 0 && sorted[lo - 1] == v) lo--;
        while (hi + 1 < sorted.length && sorted[hi + 1] == v) hi++;
        return hi - lo + 1;
    }

    private static EventPredicate networks(
            Accessor a, ValueMatchers.Networks nets, int size, boolean negated, Modifier mod) {
        if (size == 0) return e -> false;
        return e -> {
            int n = a.count(e);
            if (n == 0) return false;
            int matched = nets.countMatching(a, e, n);
            return mod.accepts(negated ? size - matched : matched, size);
        };
    }
}
