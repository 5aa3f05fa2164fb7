package dev.peregrine.detector.condition;

import java.util.List;

/**
 * A node of a parsed filter condition. The shapes follow libsinsp's filter AST so that the
 * canonical string form (see {@link CanonicalPrinter}) matches what Falco prints.
 */
public sealed interface Expr {

    /** {@code a and b and c}: one node for a whole chain, as libsinsp builds it. */
    record And(List<Expr> children) implements Expr {
        public And {
            children = List.copyOf(children);
        }
    }

    record Or(List<Expr> children) implements Expr {
        public Or {
            children = List.copyOf(children);
        }
    }

    record Not(Expr child) implements Expr {}

    /** A bare name in check position: a macro reference until macros are resolved. */
    record Identifier(String name) implements Expr {}

    /** A field reference; {@code arg} is empty when the field has no {@code [argument]}. */
    record Field(String name, String arg) implements Expr {
        public Field {
            arg = arg == null ? "" : arg;
        }

        public boolean hasArg() {
            return !arg.isEmpty();
        }
        /** The field as written in outputs and output_fields keys, e.g. {@code proc.aname[2]}. */
        public String display() {
            return hasArg() ? name + "[" + arg + "]" : name;
        }
    }

    /** {@code tolower(field)}, {@code val(field)}, ... */
    record Transform(String transformer, Expr child) implements Expr {}

    /**
     * A transformer of several arguments, {@code join(sep, (a, b))}: each argument is a quoted
     * {@link Value}, an {@link ArgList}, a {@link Field} or a (multi-)transformer.
     */
    record MultiTransform(String transformer, List<Expr> args) implements Expr {
        public MultiTransform {
            args = List.copyOf(args);
        }
    }

    /** A parenthesised list as a transformer argument; unlike {@link ListValue} its items may be fields. */
    record ArgList(List<Expr> items) implements Expr {
        public ArgList {
            items = List.copyOf(items);
        }
    }

    record UnaryCheck(Expr left, String op) implements Expr {}

    record BinaryCheck(Expr left, String op, Expr right) implements Expr {}

    /** A literal operand, already unescaped. */
    record Value(String value) implements Expr {}

    /** A parenthesised literal list, as the right operand of {@code in}, {@code pmatch}, {@code intersects}. */
    record ListValue(List<String> values) implements Expr {
        public ListValue {
            values = List.copyOf(values);
        }
    }
}
