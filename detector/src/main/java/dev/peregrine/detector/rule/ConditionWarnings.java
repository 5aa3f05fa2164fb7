package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.field.FieldCatalogue;
import java.util.List;

/**
 * Load-time warnings about a resolved condition: unsafe {@code <NA>} comparisons and deprecated
 * evt.dir (Falco's warning resolver), and the warnings libsinsp's compiler gives about constant
 * values (Falco's LOAD_COMPILE_CONDITION): a regex that simpler operators could do, a value that
 * names a field or a transformer, as if {@code val()} or the transformer had been meant.
 */
final class ConditionWarnings {
    private ConditionWarnings() {}

    /** After a successful compile, in condition order, as libsinsp reports them. */
    static void checkValues(Expr e, FieldCatalogue catalogue, Context ctx, LoadResult result) {
        switch (e) {
            case Expr.And a -> a.children().forEach(c -> checkValues(c, catalogue, ctx, result));
            case Expr.Or o -> o.children().forEach(c -> checkValues(c, catalogue, ctx, result));
            case Expr.Not n -> checkValues(n.child(), catalogue, ctx, result);
            case Expr.BinaryCheck b -> {
                List<String> values = switch (b.right()) {
                    case Expr.Value v -> List.of(v.value());
                    case Expr.ListValue l -> l.values();
                    default -> List.of();
                };
                String op = b.op().contains(" ") ? b.op().substring(0, b.op().indexOf(' ')) : b.op();
                for (String v : values) value(op, v, catalogue, ctx, result);
            }
            default -> {}
        }
    }

    private static void value(String op, String v, FieldCatalogue catalogue, Context ctx, LoadResult result) {
        String nospaces = withoutSpaces(v);
        if (op.equals("regex") && regexIsSimple(v)) {
            result.warning(
                    LoadCode.LOAD_COMPILE_CONDITION,
                    "regex check with '" + v + "' may be optimized with simpler operators such as "
                            + "'=', 'contains', 'startswith', 'endswith'",
                    ctx);
        }
        String name = nospaces.indexOf('[') > 0 && nospaces.endsWith("]")
                ? nospaces.substring(0, nospaces.indexOf('['))
                : nospaces;
        if (name.indexOf('.') > 0 && catalogue.isDefined(name)) {
            result.warning(
                    LoadCode.LOAD_COMPILE_CONDITION,
                    "'" + v + "' may be a valid field misused as a const string value",
                    ctx);
        }
        for (String t : ConditionParser.supportedTransformers(true)) {
            if (nospaces.length() >= t.length() + 2
                    && nospaces.startsWith(t)
                    && nospaces.charAt(t.length()) == '('
                    && nospaces.endsWith(")")) {
                result.warning(
                        LoadCode.LOAD_COMPILE_CONDITION,
                        "'" + v + "' may be a valid field transformer misused as a const string value",
                        ctx);
            }
        }
    }

    /** The value without C's isspace characters, as libsinsp compares it. */
    private static String withoutSpaces(String v) {
        StringBuilder sb = null;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean space = c == ' ' || (c >= '\t' && c <= '\r');
            if (space && sb == null) sb = new StringBuilder(v.length()).append(v, 0, i);
            if (!space && sb != null) sb.append(c);
        }
        return sb == null ? v : sb.toString();
    }

    /**
     * libsinsp's guess that a regex is needlessly one: no special character except anchors at the
     * ends and ".*" / ".+" / ".?" at the start or end, where contains/startswith/endswith would do.
     */
    static boolean regexIsSimple(String v) {
        String special = ".+*?^$()[]{}|\\";
        String occurrence = "+*?";
        int len = v.length();
        for (int i = 0; i < len; i++) {
            char c = v.charAt(i);
            if ((i == 0 && c == '^') || (i == len - 1 && c == '$')) continue;
            if (((i == 0 && len > 1) || i == len - 2)
                    && c == '.'
                    && i + 1 < len
                    && occurrence.indexOf(v.charAt(i + 1)) >= 0) {
                i++;
                continue;
            }
            if (special.indexOf(c) >= 0) return false;
        }
        return true;
    }

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
