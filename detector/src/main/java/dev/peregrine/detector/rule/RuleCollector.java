package dev.peregrine.detector.rule;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.field.FieldCatalogue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Accumulates lists, macros and rules across files with Falco's define/append/override semantics.
 * Redefining keeps the original position in the order; every definition or amendment advances the
 * item's visibility.
 */
final class RuleCollector {
    /** Falco 0.44's engine version: the rule language of Falco 0.44 (libsinsp 0.25) is what this engine reads. */
    static final String ENGINE_VERSION = "0.62.0";
    /** Plugins whose fields this engine provides natively, with the version it stands in for. */
    static final Map<String, String> BUILTIN_PLUGINS = Map.of("container", "0.6.0");

    private final Map<String, Items.ListItem> lists = new LinkedHashMap<>();
    private final Map<String, Items.MacroItem> macros = new LinkedHashMap<>();
    private final Map<String, Items.RuleItem> rules = new LinkedHashMap<>();
    private final Set<String> sources;
    private final FieldCatalogue catalogue;
    private int counter;

    RuleCollector(Set<String> sources, FieldCatalogue catalogue) {
        this.sources = sources;
        this.catalogue = catalogue;
    }

    Collection<Items.ListItem> lists() {
        return lists.values();
    }

    Collection<Items.MacroItem> macros() {
        return macros.values();
    }

    Collection<Items.RuleItem> rules() {
        return rules.values();
    }

    Items.ListItem list(String name) {
        return lists.get(name);
    }

    Items.MacroItem macro(String name) {
        return macros.get(name);
    }

    void requireEngineVersion(String version, Context ctx) {
        if (!Semver.compatible(ENGINE_VERSION, version)) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE,
                    "Rules require engine version " + version + ", but engine version is " + ENGINE_VERSION,
                    ctx);
        }
    }

    /** Each entry lists alternatives; one satisfied alternative is enough. */
    void requirePlugin(List<String[]> alternatives, Context ctx) {
        Set<String> seen = new HashSet<>();
        for (String[] alt : alternatives) {
            if (!Semver.valid(alt[1])) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE,
                        "Invalid required version '" + alt[1] + "' for plugin '" + alt[0] + "'",
                        ctx);
            }
            if (!seen.add(alt[0])) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE,
                        "Defined multiple alternative version requirements for plugin '" + alt[0] + "'",
                        ctx);
            }
        }
        // As Falco's check_plugin_requirements: the first alternative naming a provided plugin decides.
        for (String[] alt : alternatives) {
            String have = BUILTIN_PLUGINS.get(alt[0]);
            if (have == null) continue;
            if (Semver.compatible(have, alt[1])) return;
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE,
                    "Plugin '" + alt[0] + "' version '" + have + "' is not compatible with required plugin version '"
                            + alt[1] + "'",
                    ctx);
        }
        StringBuilder names = new StringBuilder();
        for (String[] alt : alternatives) {
            if (!names.isEmpty()) names.append(", ");
            names.append(alt[0]).append(" (>= ").append(alt[1]).append(')');
        }
        throw new RuleLoadException(
                LoadCode.LOAD_ERR_VALIDATE, "Plugin requirement not satisfied, must load one of: " + names, ctx);
    }

    void defineList(Items.ListItem info) {
        Items.ListItem prev = lists.get(info.name);
        int id = counter++;
        info.index = prev != null ? prev.index : id;
        info.visibility = id;
        lists.put(info.name, info);
    }

    void appendList(Items.ListItem info) {
        Items.ListItem prev = lists.get(info.name);
        if (prev == null) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE,
                    "List uses 'append' or 'override.items: append' but no list by that name already exists",
                    info.ctx);
        }
        prev.items.addAll(info.items);
        prev.visibility = counter++;
    }

    void defineMacro(Items.MacroItem info) {
        Items.MacroItem prev = macros.get(info.name);
        int id = counter++;
        info.index = prev != null ? prev.index : id;
        info.visibility = id;
        macros.put(info.name, info);
    }

    void appendMacro(Items.MacroItem info) {
        Items.MacroItem prev = macros.get(info.name);
        if (prev == null) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE,
                    "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists",
                    info.ctx);
        }
        prev.condition = prev.condition + " " + info.condition;
        prev.visibility = counter++;
    }

    void defineRule(Items.RuleItem info, LoadResult result) {
        Items.RuleItem prev = rules.get(info.name);
        if (prev != null && !prev.source.equals(info.source)) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "Rule has been re-defined with a different source", info.ctx);
        }
        boolean known = sources.contains(info.source);
        if (!known) {
            info.unknownSource = true;
            result.warning(LoadCode.LOAD_UNKNOWN_SOURCE, "Unknown source " + info.source + ", skipping", info.ctx);
        }
        for (Items.ExceptionItem ex : info.exceptions) {
            if (ex.fields == null) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE,
                        "Rule exception item must have fields property with a list of fields",
                        ex.ctx);
            }
            validateException(ex, known);
        }
        int id = counter++;
        info.index = prev != null ? prev.index : id;
        info.visibility = id;
        rules.put(info.name, info);
    }

    /** Falco's find_prev_rule: an update naming another source than the rule's is refused. */
    private Items.RuleItem previous(Items.RuleUpdate info) {
        Items.RuleItem prev = rules.get(info.name);
        if (prev != null && info.source != null && !info.source.isEmpty() && !prev.source.equals(info.source)) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "Rule has been re-defined with a different source", info.ctx);
        }
        return prev;
    }

    void appendRule(Items.RuleUpdate info) {
        Items.RuleItem prev = previous(info);
        if (prev == null) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE,
                    "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists",
                    info.ctx);
        }
        if (!info.hasAnyValue()) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "Appended rule must have exceptions or condition property", info.ctx);
        }
        if (info.condition != null && !info.condition.isEmpty()) {
            prev.condition = prev.condition + " " + info.condition;
            blameCondition(prev, info);
        }
        if (info.output != null && !info.output.isEmpty()) {
            prev.output = prev.output + " " + info.output;
            prev.outputCtx = info.ctx;
        }
        if (info.desc != null && !info.desc.isEmpty()) prev.desc = prev.desc + " " + info.desc;
        if (info.tags != null) prev.tags.addAll(info.tags);
        if (info.exceptions != null) {
            for (Items.ExceptionItem ex : info.exceptions) {
                Items.ExceptionItem existing = prev.exceptions.stream()
                        .filter(p -> p.name.equals(ex.name))
                        .findFirst()
                        .orElse(null);
                if (existing == null) {
                    if (ex.fields == null) {
                        throw new RuleLoadException(
                                LoadCode.LOAD_ERR_VALIDATE,
                                "Rule exception must have fields property with a list of fields",
                                ex.ctx);
                    }
                    if (ex.values.isEmpty()) {
                        throw new RuleLoadException(
                                LoadCode.LOAD_ERR_VALIDATE,
                                "Rule exception must have values property with a list of values",
                                ex.ctx);
                    }
                    validateException(ex, !prev.unknownSource);
                    prev.exceptions.add(ex);
                } else {
                    if (ex.fields != null) {
                        throw new RuleLoadException(
                                LoadCode.LOAD_ERR_VALIDATE,
                                "Can not append exception fields to existing exception, only values",
                                ex.ctx);
                    }
                    if (ex.comps != null) {
                        throw new RuleLoadException(
                                LoadCode.LOAD_ERR_VALIDATE,
                                "Can not append exception comps to existing exception, only values",
                                ex.ctx);
                    }
                    existing.values.addAll(ex.values);
                }
            }
        }
        prev.visibility = counter++;
    }

    void replaceRule(Items.RuleUpdate info) {
        Items.RuleItem prev = previous(info);
        if (prev == null) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE,
                    "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists",
                    info.ctx);
        }
        if (!info.hasAnyValue()) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "The rule must have at least one field that can be replaced", info.ctx);
        }
        if (info.condition != null) {
            prev.condition = info.condition;
            blameCondition(prev, info);
        }
        if (info.output != null) {
            prev.output = info.output;
            prev.outputCtx = info.ctx;
        }
        if (info.desc != null) prev.desc = info.desc;
        if (info.tags != null) prev.tags = info.tags;
        if (info.exceptions != null) {
            for (Items.ExceptionItem ex : info.exceptions) {
                if (ex.fields == null) {
                    throw new RuleLoadException(
                            LoadCode.LOAD_ERR_VALIDATE,
                            "Rule exception must have fields property with a list of fields",
                            ex.ctx);
                }
                validateException(ex, !prev.unknownSource);
            }
            prev.exceptions = new ArrayList<>(info.exceptions);
        }
        if (info.priority != null) prev.priority = info.priority;
        if (info.capture != null) prev.capture = info.capture;
        if (info.captureDuration != null) prev.captureDuration = info.captureDuration;
        if (info.enabled != null) prev.enabled = info.enabled;
        if (info.warnEvttypes != null) prev.warnEvttypes = info.warnEvttypes;
        if (info.skipIfUnknownFilter != null) prev.skipIfUnknownFilter = info.skipIfUnknownFilter;
        prev.visibility = counter++;
    }

    /**
     * A condition an append or override changed is reported, if it does not compile, at the item
     * that changed it (the user's file), not at the rule it changed (Falco's).
     */
    private static void blameCondition(Items.RuleItem rule, Items.RuleUpdate update) {
        rule.ctx = update.ctx;
        rule.span = null;
    }

    void enableRule(String name, boolean enabled, Context ctx) {
        Items.RuleItem prev = rules.get(name);
        if (prev == null) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "Rule has 'enabled' key but no rule by that name already exists", ctx);
        }
        prev.enabled = enabled;
    }

    /** Fills in default comps and checks operators and fields, with Falco's messages. */
    private void validateException(Items.ExceptionItem ex, boolean checkFields) {
        List<String> operators = ConditionParser.supportedOperators();
        if (ex.fields.isList()) {
            if (ex.comps == null) {
                List<Items.Entry> eq = new ArrayList<>();
                for (int i = 0; i < ex.fields.items().size(); i++) eq.add(Items.Entry.of("="));
                ex.comps = new Items.Entry(true, null, eq);
            }
            if (ex.fields.items().size() != ex.comps.items().size()) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE, "Fields and comps lists must have equal length", ex.ctx);
            }
            List<Items.Entry> normalized = new ArrayList<>();
            for (Items.Entry c : ex.comps.items()) {
                String comp = normalizeComp(c.item());
                if (!operators.contains(comp) && !isOperatorWithModifier(comp)) {
                    throw new RuleLoadException(
                            LoadCode.LOAD_ERR_VALIDATE,
                            "'" + comp + "' is not a supported comparison operator",
                            ex.ctx);
                }
                normalized.add(Items.Entry.of(comp));
            }
            ex.comps = new Items.Entry(true, null, normalized);
            if (checkFields) {
                for (Items.Entry f : ex.fields.items()) checkField(f.item(), ex.ctx);
            }
        } else {
            if (ex.comps == null) ex.comps = Items.Entry.of("in");
            if (ex.comps.isList()) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE, "Fields and comps must both be strings", ex.ctx);
            }
            String c = normalizeComp(ex.comps.item());
            if (!c.equals("in") && !c.equals("pmatch") && !c.equals("intersects") && !isOperatorWithModifier(c)) {
                throw new RuleLoadException(
                        LoadCode.LOAD_ERR_VALIDATE,
                        "When fields is a single value, comps must be one of "
                                + "(in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)",
                        ex.ctx);
            }
            ex.comps = Items.Entry.of(c);
            if (checkFields) checkField(ex.fields.item(), ex.ctx);
        }
    }

    /** Falco 0.44 strips blanks around a comp, so "  startswith oneof " is "startswith oneof". */
    static String normalizeComp(String comp) {
        return comp.replaceAll("^[ \\t\\r\\n]+|[ \\t\\r\\n]+$", "");
    }

    /**
     * A string operator and a modifier separated by one blank ({@code startswith oneof},
     * {@code = anyof}); list and numeric operators take none.
     */
    static boolean isOperatorWithModifier(String comp) {
        int blank = comp.indexOf(' ');
        if (blank < 0) return false;
        return ConditionParser.acceptsModifier(comp.substring(0, blank))
                && ConditionParser.isModifier(comp.substring(blank + 1));
    }

    /**
     * A field as exceptions name it, possibly with an argument; with a parenthesis it may be a
     * transformer ({@code tolower(proc.name)}), which is checked as Falco does: by compiling
     * {@code FIELD exists}.
     */
    private void checkField(String field, Context ctx) {
        boolean valid;
        if (field.indexOf('(') >= 0) {
            try {
                new ConditionCompiler(catalogue).compile(ConditionParser.parse(field + " exists"));
                valid = true;
            } catch (RuntimeException e) {
                valid = false;
            }
        } else {
            String name = field.contains("[") ? field.substring(0, field.indexOf('[')) : field;
            valid = catalogue.isDefined(name);
        }
        if (!valid) {
            throw new RuleLoadException(
                    LoadCode.LOAD_ERR_VALIDATE, "'" + field + "' is not a supported filter field", ctx);
        }
    }
}
