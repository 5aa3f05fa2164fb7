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

    /**
     * A field reference; {@code arg} is null when the field has no {@code [argument]}. An empty
     * argument ({@code test.str[""]}) is kept apart from none, as libsinsp keeps it.
     */
    record Field(String name, String arg) implements Expr {
        public static Field of(String name) {
            return new Field(name, null);
        }

        public boolean hasArg() {
            return arg != null;
        }

        /** The field as written in outputs and output_fields keys, e.g. {@code proc.aname[2]}. */
        public String display() {
            return hasArg() ? name + "[" + arg + "]" : name;
        }
    }

    /**
     * A transformer of one argument: {@code tolower(field)}, {@code val(field)}, ... The argument
     * is a field, a transformer, a literal {@link Value} or an {@link ArgList}. {@code arg} is the
     * optional {@code [argument]} after the closing parenthesis (null when absent), which only
     * multivalue transformers accept; the compiler refuses it here, as libsinsp does.
     */
    record Transform(String transformer, Expr child, String arg) implements Expr {
        public Transform(String transformer, Expr child) {
            this(transformer, child, null);
        }
    }

    /**
     * A transformer of several arguments, {@code join(sep, (a, b))}, {@code getopt(args, "nt:")[t]}:
     * each argument is a literal {@link Value} (a quoted string or a number), an {@link ArgList}, a
     * {@link Field} or a transformer. libsinsp builds one node for both; which one a transformer
     * becomes depends only on how many arguments it was given, which is also how libsinsp's
     * compiler tells single from multivalue transformers.
     */
    record MultiTransform(String transformer, List<Expr> args, String arg) implements Expr {
        public MultiTransform {
            args = List.copyOf(args);
        }

        public MultiTransform(String transformer, List<Expr> args) {
            this(transformer, args, null);
        }
    }

    /** A parenthesised list as a transformer argument; unlike {@link ListValue} its items may be fields. */
    record ArgList(List<Expr> items) implements Expr {
        public ArgList {
            items = List.copyOf(items);
        }
    }

    record UnaryCheck(Expr left, String op) implements Expr {}

    /**
     * {@code left op right}. {@code op} may carry a comparison modifier after a blank, as libsinsp
     * spells it: {@code "startswith oneof"}, {@code "== anyof"}; the right side is then a
     * {@link ListValue} or a list name ({@link Value}).
     */
    record BinaryCheck(Expr left, String op, Expr right) implements Expr {}

    /** A literal operand, already unescaped. */
    record Value(String value) implements Expr {}

    /**
     * A parenthesised literal list, as the right operand of {@code in}, {@code pmatch},
     * {@code intersects} and of operators with a modifier ({@code oneof}, {@code anyof}, {@code allof}).
     */
    record ListValue(List<String> values) implements Expr {
        public ListValue {
            values = List.copyOf(values);
        }
    }
}
