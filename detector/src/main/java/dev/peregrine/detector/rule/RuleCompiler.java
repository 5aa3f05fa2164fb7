package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.condition.ConditionSyntaxException;
import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.field.OutputFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Second phase of loading, after every file was collected: expands lists, resolves macros, folds
 * exceptions into conditions, compiles conditions and outputs, and reports unused macros and lists.
 * Follows the order and visibility rules of Falco's rule loader compiler.
 */
final class RuleCompiler {
    /** Falco raises libsinsp's default depth limit for rule conditions. */
    static final int MAX_DEPTH = 1000;

    private final FieldCatalogue catalogue;
    private final ConditionCompiler conditions;
    private final LoadResult result;
    private final Map<String, List<String>> lists = new LinkedHashMap<>();
    private final Set<String> usedLists = new LinkedHashSet<>();
    private final Map<String, Expr> macroAsts = new LinkedHashMap<>();
    /** Resolved macro bodies (no identifier left): rules substitute them without walking them again. */
    private final Set<Expr> settled = Collections.newSetFromMap(new IdentityHashMap<>());

    private final Set<String> usedMacros = new LinkedHashSet<>();

    RuleCompiler(FieldCatalogue catalogue, LoadResult result) {
        this.catalogue = catalogue;
        this.conditions = new ConditionCompiler(catalogue);
        this.result = result;
    }

    List<CompiledRule> compile(RuleCollector col) {
        List<CompiledRule> out = new ArrayList<>();
        try {
            compileLists(col);
            compileMacros(col);
            List<Items.RuleItem> ordered = new ArrayList<>(col.rules());
            for (Items.RuleItem r : ordered) {
                CompiledRule rule = compileRule(r, out.size());
                if (rule != null) out.add(rule);
            }
        } catch (RuleLoadException e) {
            result.error(e.code, e.getMessage(), e.context);
            return List.of();
        }
        for (Items.MacroItem m : col.macros()) {
            if (!usedMacros.contains(m.name)) {
                result.warning(LoadCode.LOAD_UNUSED_MACRO, "Macro not referred to by any other rule/macro", m.ctx);
            }
        }
        for (Items.ListItem l : col.lists()) {
            if (!usedLists.contains(l.name)) {
                result.warning(LoadCode.LOAD_UNUSED_LIST, "List not referred to by any other rule/macro", l.ctx);
            }
        }
        return out;
    }

    /** A list item naming an earlier-visible list is replaced by that list's items (one level, as in Falco). */
    private void compileLists(RuleCollector col) {
        for (Items.ListItem list : col.lists()) {
            List<String> items = new ArrayList<>();
            for (String item : list.items) {
                Items.ListItem ref = col.list(item);
                if (ref != null && ref.index < list.visibility) {
                    usedLists.add(ref.name);
                    items.addAll(ref.items);
                } else {
                    items.add(item);
                }
            }
            lists.put(list.name, items);
        }
    }

    private void compileMacros(RuleCollector col) {
        for (Items.MacroItem m : col.macros()) {
            macroAsts.put(m.name, parse(m.condition, m.span, m.ctx));
        }
        for (Items.MacroItem m : col.macros()) {
            Map<String, Expr> visible = new HashMap<>();
            for (Items.MacroItem other : col.macros()) {
                if (other.index < m.visibility) visible.put(other.name, macroAsts.get(other.name));
            }
            Expr resolved = resolve(macroAsts.get(m.name), visible, m.span, m.ctx);
            macroAsts.put(m.name, resolved);
            settled.add(resolved);
        }
    }

    private Expr resolve(Expr ast, Map<String, Expr> visible, ConditionSpan span, Context ctx) {
        MacroResolver resolver = new MacroResolver(visible, settled);
        try {
            Expr out = resolver.resolve(ast);
            usedMacros.addAll(resolver.used());
            return out;
        } catch (RuleLoadException e) {
            throw new RuleLoadException(e.code, e.getMessage(), span == null ? ctx : span.locate(ctx, null));
        }
    }

    private Expr parse(String condition, ConditionSpan span, Context ctx) {
        String expanded;
        try {
            expanded = ListExpander.expandAll(condition, lists, usedLists);
        } catch (RuleLoadException e) {
            throw new RuleLoadException(e.code, e.getMessage(), span == null ? ctx : span.locate(ctx, null));
        }
        try {
            return ConditionParser.parse(expanded, MAX_DEPTH);
        } catch (ConditionSyntaxException e) {
            // Positions refer to the expanded text; they map back exactly when nothing was substituted before
            // them, otherwise the error points at the start of the condition.
            boolean exact = e.pos().idx() < sameUpTo(condition, expanded);
            Context at = span == null ? ctx : span.locate(ctx, exact ? e.pos() : null);
            throw new RuleLoadException(LoadCode.LOAD_ERR_COMPILE_CONDITION, e.getMessage(), at);
        }
    }

    /** How many leading characters the written and the expanded condition share (all when equal). */
    private static int sameUpTo(String written, String expanded) {
        if (written.equals(expanded)) return Integer.MAX_VALUE;
        int n = Math.min(written.length(), expanded.length()), i = 0;
        while (i < n && written.charAt(i) == expanded.charAt(i)) i++;
        return i;
    }

    private CompiledRule compileRule(Items.RuleItem r, int order) {
        if (r.unknownSource) return null;
        String condition = r.exceptions.isEmpty() ? r.condition : ExceptionFolder.fold(r.condition, r.exceptions);
        Context condCtx = r.span == null ? r.ctx : r.span.locate(r.ctx, null);
        String output = r.output;
        if (output.contains("%container.info")) {
            result.warning(
                    LoadCode.LOAD_DEPRECATED_ITEM,
                    "%container.info is deprecated and no more useful, and will be dropped by "
                            + "Falco 1.0.0. The container plugin will automatically add required fields to the output message.",
                    r.ctx);
            output = output.replace("%container.info", "");
        }
        OutputFormat format;
        try {
            format = OutputFormat.compile(output, catalogue);
        } catch (OutputFormat.InvalidFormatException e) {
            if (r.skipIfUnknownFilter) {
                result.warning(LoadCode.LOAD_UNKNOWN_FILTER, e.getMessage(), r.outputCtx);
                return null;
            }
            throw new RuleLoadException(LoadCode.LOAD_ERR_COMPILE_OUTPUT, e.getMessage(), r.outputCtx);
        }
        if (output.contains("%evt.dir")) {
            result.warning(
                    LoadCode.LOAD_DEPRECATED_ITEM,
                    "usage of deprecated field 'evt.dir' has been detected in the rule output",
                    r.outputCtx);
        }
        Expr ast = resolve(
                parse(condition, r.exceptions.isEmpty() ? r.span : null, r.span == null ? r.ctx : condCtx),
                macroAsts,
                r.span,
                r.ctx);
        ExpansionLimits.check(ast, condCtx);
        ConditionWarnings.check(ast, condCtx, result);
        EventPredicate predicate;
        try {
            predicate = conditions.compile(ast);
        } catch (CompileException e) {
            if (e.unknownField() && r.skipIfUnknownFilter) {
                result.warning(LoadCode.LOAD_UNKNOWN_FILTER, e.getMessage(), condCtx);
                return null;
            }
            throw new RuleLoadException(LoadCode.LOAD_ERR_COMPILE_CONDITION, e.getMessage(), condCtx);
        }
        ConditionWarnings.checkValues(ast, catalogue, condCtx, result);
        EventTypes types = EventTypes.of(ast);
        // No warning for a condition no event type can satisfy (an empty positive set): Falco 0.44
        // keeps quiet about the never_true placeholder idiom.
        if (r.source.equals("syscall")
                && r.warnEvttypes
                && (types.negated() || types.names().size() > 100)) {
            result.warning(
                    LoadCode.LOAD_NO_EVTTYPE,
                    "Rule matches too many evt.type values. This has a significant performance penalty.",
                    r.ctx);
        }
        return new CompiledRule(
                order,
                r.name,
                r.desc,
                r.priority,
                r.source,
                List.copyOf(r.tags),
                r.enabled,
                output,
                format,
                ast,
                predicate,
                types,
                typedPredicates(ast, types),
                r.capture,
                r.captureDuration);
    }

    private Map<String, EventPredicate> typedPredicates(Expr ast, EventTypes types) {
        Map<String, EventPredicate> out = new HashMap<>();
        if (types.negated()) return out;
        for (String type : types.names()) {
            EventTypeFolding.Folded f = EventTypeFolding.fold(ast, type);
            out.put(
                    type,
                    !f.isConstant()
                            ? conditions.compile(f.expr())
                            : f.constant() ? CompiledRule.ALWAYS : CompiledRule.NEVER);
        }
        return out;
    }
}
