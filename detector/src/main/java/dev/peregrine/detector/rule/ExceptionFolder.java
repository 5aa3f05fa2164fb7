package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.ConditionParser;
import java.util.List;

/**
 * Folds a rule's exceptions into its condition text, producing
 * {@code (cond) and not (ex1) and not (ex2)} exactly as Falco builds it, so the canonical
 * condition matches Falco's.
 */
final class ExceptionFolder {
    private ExceptionFolder() {}

    static String fold(String condition, List<Items.ExceptionItem> exceptions) {
        StringBuilder out = new StringBuilder("(").append(condition).append(")");
        for (Items.ExceptionItem ex : exceptions) {
            String icond = ex.fields.isList() ? tuple(ex) : single(ex);
            if (!icond.isEmpty()) out.append(" and not ").append(icond);
        }
        return out.toString();
    }

    /** fields: proc.name, values: [a, b] becomes (proc.name in (a, b)). */
    private static String single(Items.ExceptionItem ex) {
        StringBuilder icond = new StringBuilder();
        for (Items.Entry val : ex.values) {
            if (val.isList()) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE, "Expected values array to contain a list of strings", ex.ctx);
            }
            icond.append(icond.isEmpty() ? "(" + ex.fields.item() + " " + ex.comps.item() + " (" : ", ");
            icond.append(ListExpander.quote(val.item()));
        }
        if (!icond.isEmpty()) icond.append("))");
        return icond.toString();
    }

    /**
     * fields: [a, b], values: [[x, y], ...] becomes ((a = x and b = y) or ...). A list operator or
     * one with a modifier ({@code startswith oneof}) takes a parenthesised value.
     */
    private static String tuple(Items.ExceptionItem ex) {
        StringBuilder icond = new StringBuilder("(");
        for (Items.Entry values : ex.values) {
            if (!values.isList() || ex.fields.items().size() != values.items().size()) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE, "Fields and values lists must have equal length", ex.ctx);
            }
            if (icond.length() > 1) icond.append(" or ");
            icond.append('(');
            for (int k = 0; k < ex.fields.items().size(); k++) {
                if (k > 0) icond.append(" and ");
                Items.Entry v = values.items().get(k);
                String comp = ex.comps.items().get(k).item();
                String operand;
                if (v.isList()) {
                    StringBuilder l = new StringBuilder("(");
                    for (Items.Entry item : v.items()) {
                        if (l.length() > 1) l.append(", ");
                        l.append(ListExpander.quote(item.item()));
                    }
                    operand = l.append(')').toString();
                } else if (ConditionParser.isListOperator(comp) || RuleCollector.isOperatorWithModifier(comp)) {
                    operand = v.item().startsWith("(") ? v.item() : "(" + v.item() + ")";
                } else {
                    operand = ListExpander.quote(v.item());
                }
                icond.append(' ')
                        .append(ex.fields.items().get(k).item())
                        .append(' ')
                        .append(comp)
                        .append(' ')
                        .append(operand);
            }
            icond.append(')');
        }
        icond.append(')');
        return icond.toString().equals("()") ? "" : icond.toString();
    }
}
