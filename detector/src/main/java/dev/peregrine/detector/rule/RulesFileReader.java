package dev.peregrine.detector.rule;

import static dev.peregrine.detector.rule.YamlValues.get;
import static dev.peregrine.detector.rule.YamlValues.isNull;
import static dev.peregrine.detector.rule.YamlValues.scalar;
import static dev.peregrine.detector.rule.YamlValues.validate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads one rules file into the collector, item by item, with the structural checks and messages
 * of Falco's rule loader reader. Like Falco it stops at the first error of a file.
 */
final class RulesFileReader {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z]+[a-zA-Z0-9_]*");
    private static final Pattern BARESTR = Pattern.compile("[^()\"'\\s=,]+");
    private static final String WARNING_APPEND =
            "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
    private static final String WARNING_ENABLED =
            "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
    private static final String ERROR_OVERRIDE_APPEND =
            "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

    private static final Set<String> LIST_KEYS = Set.of("list", "items", "append", "override");
    private static final Set<String> MACRO_KEYS = Set.of("macro", "condition", "append", "override");
    private static final Set<String> RULE_KEYS = Set.of(
            "rule",
            "desc",
            "condition",
            "output",
            "priority",
            "source",
            "enabled",
            "tags",
            "exceptions",
            "append",
            "override",
            "warn_evttypes",
            "skip-if-unknown-filter",
            "capture",
            "capture_duration");
    private static final Set<String> REQUIRED_ENGINE_VERSION_KEYS = Set.of("required_engine_version");
    private static final Set<String> REQUIRED_PLUGIN_VERSIONS_KEYS = Set.of("required_plugin_versions");
    /** The keys an override may append to or replace, in the order Falco's reader checks them. */
    private static final List<String> RULE_APPENDABLE = List.of("condition", "exceptions", "output", "desc", "tags");

    private static final List<String> RULE_REPLACEABLE = List.of(
            "condition",
            "exceptions",
            "output",
            "desc",
            "tags",
            "priority",
            "capture",
            "capture_duration",
            "enabled",
            "warn_evttypes",
            "skip-if-unknown-filter");

    private final RuleCollector collector;
    private final LoadResult result;
    private String[] lines = new String[0];
    private YamlText text = new YamlText("");
    private YamlValues yaml = new YamlValues(text);

    RulesFileReader(RuleCollector collector, LoadResult result) {
        this.collector = collector;
        this.result = result;
    }

    /** Returns false when the file had an error (already recorded). */
    boolean read(String fileName, String content) {
        lines = content.split("\n", -1);
        text = new YamlText(content);
        yaml = new YamlValues(text);
        Context fileCtx = Context.ofFile(fileName);
        List<Node> docs = YamlDocuments.compose(text, fileCtx, result);
        if (docs == null) return false;
        for (Node doc : docs) {
            if (doc == null || isNull(doc)) continue;
            try {
                Context docCtx = yaml.at(fileCtx, doc.getStartMark());
                if (!(doc instanceof SequenceNode seq)) {
                    throw validate(
                            doc instanceof MappingNode
                                    ? "Rules content is not yaml array of objects"
                                    : "Rules content is not yaml",
                            docCtx);
                }
                for (Node item : seq.getValue()) {
                    if (!isNull(item)) readItem(item, fileCtx);
                }
            } catch (RuleLoadException e) {
                result.error(e.code, e.getMessage(), e.context);
                return false;
            }
        }
        return true;
    }

    private void readItem(Node node, Context fileCtx) {
        Context ctx = yaml.at(fileCtx, node.getStartMark());
        if (!(node instanceof MappingNode item)) {
            throw validate(
                    "Unexpected element type. Each element should be a yaml associative array.",
                    ctx.item("rules content item", ""));
        }
        if (get(item, "required_engine_version") != null) {
            Context c = ctx.item("required_engine_version", "");
            String v = yaml.string(item, "required_engine_version", c, false);
            String version = v.matches("\\d+") ? "0." + v + ".0" : v;
            if (!Semver.valid(version)) {
                throw validate(
                        "Unable to parse engine version '" + v
                                + "' as a semver string. Expected \"x.y.z\" semver format.",
                        c);
            }
            collector.requireEngineVersion(version, c);
            warnUnknownKeys(item, REQUIRED_ENGINE_VERSION_KEYS, c);
        } else if (get(item, "required_plugin_versions") != null) {
            readPluginVersions(item, ctx);
            warnUnknownKeys(item, REQUIRED_PLUGIN_VERSIONS_KEYS, ctx.item("required plugin versions", ""));
        } else if (get(item, "list") != null) {
            readList(item, ctx);
        } else if (get(item, "macro") != null) {
            readMacro(item, ctx);
        } else if (get(item, "rule") != null) {
            readRule(item, ctx);
        } else {
            result.warning(LoadCode.LOAD_UNKNOWN_ITEM, "Unknown top level item", ctx.item("rules content item", ""));
        }
    }

    private void readPluginVersions(MappingNode item, Context ctx) {
        Node reqs = get(item, "required_plugin_versions");
        Context c = yaml.at(ctx, reqs.getStartMark()).item("required_plugin_versions", "");
        if (!(reqs instanceof SequenceNode seq))
            throw validate("Value of required_plugin_versions must be a sequence", c);
        for (Node p : seq.getValue()) {
            Context pc = yaml.at(c, p.getStartMark());
            if (!(p instanceof MappingNode plugin)) throw validate("Plugin version must be a mapping", pc);
            String name = yaml.string(plugin, "name", pc, false);
            Context named = pc.item("required_plugin_versions entry", name);
            List<String[]> alternatives = new ArrayList<>();
            alternatives.add(new String[] {name, yaml.string(plugin, "version", named, false)});
            Node alts = get(plugin, "alternatives");
            if (alts != null) {
                if (!(alts instanceof SequenceNode altSeq))
                    throw validate("Value of plugin version alternatives must be a sequence", named);
                for (Node a : altSeq.getValue()) {
                    Context ac = yaml.at(named, a.getStartMark());
                    if (!(a instanceof MappingNode alt))
                        throw validate("Plugin version alternative must be a mapping", ac);
                    String altName = yaml.string(alt, "name", ac, false);
                    alternatives.add(new String[] {
                        altName,
                        yaml.string(alt, "version", ac.item("required_plugin_versions alternative", altName), false)
                    });
                }
            }
            collector.requirePlugin(alternatives, named);
        }
    }

    private void readList(MappingNode item, Context ctx) {
        String name = yaml.string(item, "list", ctx.item("list", ""), false);
        Context c = ctx.item("list", name);
        if (!BARESTR.matcher(name).matches()) {
            result.warning(
                    LoadCode.LOAD_INVALID_LIST_NAME,
                    "List has an invalid name. List names should match a regular expression: ([^()\"'[:space:]=,]+)",
                    c);
        }
        Items.ListItem info = new Items.ListItem(name, c);
        info.items.addAll(yaml.sequence(item, "items", c, false));
        boolean append = yaml.bool(item, "append", c);
        if (append) result.warning(LoadCode.LOAD_DEPRECATED_ITEM, WARNING_APPEND, c);
        Set<String> overAppend = new LinkedHashSet<>(), overReplace = new LinkedHashSet<>();
        readOverrides(item, List.of("items"), List.of("items"), overAppend, overReplace, c);
        if (append && (!overAppend.isEmpty() || !overReplace.isEmpty())) throw validate(ERROR_OVERRIDE_APPEND, c);
        if (append || overAppend.contains("items")) {
            collector.appendList(info);
        } else {
            collector.defineList(info);
        }
        warnUnknownKeys(item, LIST_KEYS, c);
    }

    private void readMacro(MappingNode item, Context ctx) {
        String name = yaml.string(item, "macro", ctx.item("macro", ""), false);
        Context c = ctx.item("macro", name);
        if (!IDENTIFIER.matcher(name).matches()) {
            result.warning(
                    LoadCode.LOAD_INVALID_MACRO_NAME,
                    "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)",
                    c);
        }
        Items.MacroItem info = new Items.MacroItem(name, c);
        info.condition = yaml.string(item, "condition", c, false);
        info.span = span(get(item, "condition"));
        boolean append = yaml.bool(item, "append", c);
        if (append) result.warning(LoadCode.LOAD_DEPRECATED_ITEM, WARNING_APPEND, c);
        Set<String> overAppend = new LinkedHashSet<>(), overReplace = new LinkedHashSet<>();
        readOverrides(item, List.of("condition"), List.of("condition"), overAppend, overReplace, c);
        if (append && (!overAppend.isEmpty() || !overReplace.isEmpty())) throw validate(ERROR_OVERRIDE_APPEND, c);
        if (append || overAppend.contains("condition")) {
            collector.appendMacro(info);
        } else {
            collector.defineMacro(info);
        }
        warnUnknownKeys(item, MACRO_KEYS, c);
    }

    private void readRule(MappingNode item, Context ctx) {
        String name = yaml.string(item, "rule", ctx.item("rule", ""), false);
        Context c = ctx.item("rule", name);
        // The source an update names: empty and null allowed here, checked against the rule's by the collector.
        String updateSource = yaml.optionalString(item, "source", c);
        boolean appendFlag = yaml.bool(item, "append", c);
        if (appendFlag) result.warning(LoadCode.LOAD_DEPRECATED_ITEM, WARNING_APPEND, c);
        Set<String> overAppend = new LinkedHashSet<>(), overReplace = new LinkedHashSet<>();
        readOverrides(item, RULE_APPENDABLE, RULE_REPLACEABLE, overAppend, overReplace, c);
        boolean hasOverrides = !overAppend.isEmpty() || !overReplace.isEmpty();
        if (appendFlag && hasOverrides) throw validate(ERROR_OVERRIDE_APPEND, c);

        if (hasOverrides) {
            // Falco keeps these in a sorted set: the first unexpected key named is the first in alphabetical order.
            Set<String> expected = new TreeSet<>();
            for (String k : RULE_REPLACEABLE) if (get(item, k) != null) expected.add(k);
            for (String k : RULE_APPENDABLE) if (get(item, k) != null) expected.add(k);
            if (!overAppend.isEmpty())
                collector.appendRule(update(item, name, c, overAppend, expected, "append", updateSource));
            if (!overReplace.isEmpty())
                collector.replaceRule(update(item, name, c, overReplace, expected, "replace", updateSource));
            for (String key : expected) {
                throw validate(
                        "Unexpected key '" + key + "': no corresponding entry under 'override' is defined.",
                        yaml.at(c, get(item, key).getStartMark()));
            }
        } else if (appendFlag) {
            Items.RuleUpdate u = new Items.RuleUpdate(name, c);
            u.source = updateSource;
            if (get(item, "condition") != null) u.condition = yaml.string(item, "condition", c, false);
            if (get(item, "exceptions") != null) u.exceptions = exceptions(item, c, true);
            collector.appendRule(u);
        } else if (get(item, "condition") == null
                && get(item, "output") == null
                && get(item, "desc") == null
                && get(item, "priority") == null) {
            boolean enabled = yaml.requiredBool(item, "enabled", c);
            result.warning(LoadCode.LOAD_DEPRECATED_ITEM, WARNING_ENABLED, c);
            collector.enableRule(name, enabled, c);
        } else {
            Items.RuleItem info = new Items.RuleItem(name, c);
            info.condition = yaml.string(item, "condition", c, false);
            info.span = span(get(item, "condition"));
            info.output = yaml.string(item, "output", c, false).strip();
            info.outputCtx = yaml.at(c, get(item, "output").getStartMark());
            info.desc = yaml.string(item, "desc", c, false);
            info.priority = priority(item, c);
            String source = yaml.string(item, "source", c, true);
            if (source != null) info.source = source;
            if (get(item, "enabled") != null) info.enabled = yaml.requiredBool(item, "enabled", c);
            if (get(item, "capture") != null) info.capture = yaml.requiredBool(item, "capture", c);
            if (get(item, "capture_duration") != null) info.captureDuration = yaml.uint32(item, "capture_duration", c);
            if (get(item, "warn_evttypes") != null) info.warnEvttypes = yaml.requiredBool(item, "warn_evttypes", c);
            if (get(item, "skip-if-unknown-filter") != null)
                info.skipIfUnknownFilter = yaml.requiredBool(item, "skip-if-unknown-filter", c);
            List<String> tags = yaml.sequence(item, "tags", c, true);
            if (tags != null) info.tags.addAll(tags);
            info.exceptions = exceptions(item, c, false);
            collector.defineRule(info, result);
        }
        warnUnknownKeys(item, RULE_KEYS, c);
    }

    /**
     * One override: its keys in the order Falco's reader takes them. A replaced exception must be
     * complete (its fields included); an appended one may only add values.
     */
    private Items.RuleUpdate update(
            MappingNode item,
            String name,
            Context c,
            Set<String> keys,
            Set<String> expected,
            String kind,
            String source) {
        Items.RuleUpdate u = new Items.RuleUpdate(name, c);
        for (String key : kind.equals("append") ? RULE_APPENDABLE : RULE_REPLACEABLE) {
            if (!keys.contains(key)) continue;
            if (!expected.remove(key)) {
                throw validate(
                        "An " + kind + " override for '" + key + "' was specified but '" + key + "' is not defined", c);
            }
            switch (key) {
                case "condition" -> {
                    u.source = source;
                    u.condition = yaml.string(item, key, c, false);
                }
                case "output" -> u.output = yaml.string(item, key, c, false).strip();
                case "desc" -> u.desc = yaml.string(item, key, c, false);
                case "tags" -> u.tags = new LinkedHashSet<>(yaml.sequence(item, key, c, false));
                case "exceptions" -> u.exceptions = exceptions(item, c, kind.equals("append"));
                case "priority" -> u.priority = priority(item, c);
                case "capture" -> u.capture = yaml.requiredBool(item, key, c);
                case "capture_duration" -> u.captureDuration = yaml.uint32(item, key, c);
                case "enabled" -> u.enabled = yaml.requiredBool(item, key, c);
                case "warn_evttypes" -> u.warnEvttypes = yaml.requiredBool(item, key, c);
                case "skip-if-unknown-filter" -> u.skipIfUnknownFilter = yaml.requiredBool(item, key, c);
                default -> throw new IllegalStateException(key);
            }
        }
        return u;
    }

    private Priority priority(MappingNode item, Context c) {
        String p = yaml.string(item, "priority", c, false);
        return Priority.parse(p)
                .orElseThrow(() -> validate(
                        "Invalid priority", yaml.at(c, get(item, "priority").getStartMark())));
    }

    private void readOverrides(
            MappingNode item,
            List<String> appendable,
            List<String> replaceable,
            Set<String> outAppend,
            Set<String> outReplace,
            Context c) {
        Node node = get(item, "override");
        if (node == null) return;
        if (!(node instanceof MappingNode map))
            throw validate("Value is not a mapping", yaml.at(c, node.getStartMark()));
        for (NodeTuple t : map.getValue()) {
            String key = scalar(t.getKeyNode());
            String op = scalar(t.getValueNode());
            Context kc = yaml.at(c, t.getKeyNode().getStartMark());
            // A key or operation that is a sequence or mapping: yaml-cpp cannot read it as a string.
            if (key == null) throw validate("Value is not a scalar value", kc);
            if (op == null)
                throw validate(
                        "Value is not a scalar value",
                        yaml.at(c, t.getValueNode().getStartMark()));
            if ("append".equals(op)) {
                if (!appendable.contains(key))
                    throw validate("Key '" + key + "' cannot be appended to, use 'replace' instead", kc);
                outAppend.add(key);
            } else if ("replace".equals(op)) {
                if (!replaceable.contains(key)) throw validate("Key '" + key + "' cannot be replaced", kc);
                outReplace.add(key);
            } else {
                StringBuilder msg = new StringBuilder(
                        "Invalid override operation for key '" + key + "': '" + op + "'. Allowed values are: ");
                if (appendable.contains(key)) msg.append("append ");
                if (replaceable.contains(key)) msg.append("replace ");
                throw validate(msg.toString(), yaml.at(c, t.getValueNode().getStartMark()));
            }
        }
    }

    private List<Items.ExceptionItem> exceptions(MappingNode item, Context parent, boolean append) {
        List<Items.ExceptionItem> out = new ArrayList<>();
        Node exs = get(item, "exceptions");
        if (exs == null || isNull(exs)) return out;
        Context exsCtx = yaml.at(parent, exs.getStartMark());
        if (!(exs instanceof SequenceNode seq)) throw validate("Rule exceptions must be a sequence", exsCtx);
        for (Node exNode : seq.getValue()) {
            Context tmp = yaml.at(parent, exNode.getStartMark());
            if (!(exNode instanceof MappingNode ex)) throw validate("Rule exception must be a mapping", tmp);
            String name = yaml.string(ex, "name", tmp, false);
            Context exCtx = tmp;
            for (Items.ExceptionItem prev : out) {
                // Falco warns and keeps both.
                if (prev.name.equals(name)) {
                    result.warning(
                            LoadCode.LOAD_EXCEPTION_NAME_NOT_UNIQUE,
                            "Multiple definitions of exception '" + name + "' in the same rule",
                            exCtx);
                }
            }
            Items.ExceptionItem info = new Items.ExceptionItem(name, exCtx);
            info.fields = yaml.entry(ex, "fields", exCtx, append);
            info.comps = yaml.entry(ex, "comps", exCtx, true);
            Node values = get(ex, "values");
            if (values != null) {
                Context vc = yaml.at(exCtx, values.getStartMark());
                if (!(values instanceof SequenceNode vs))
                    throw validate("Rule exception values must be a sequence", vc);
                for (Node v : vs.getValue()) info.values.add(yaml.entryOf(v, yaml.at(exCtx, v.getStartMark())));
            } else if (append) {
                result.warning(LoadCode.LOAD_APPEND_NO_VALUES, "Overriding/appending exception with no values", exCtx);
            }
            out.add(info);
        }
        return out;
    }

    private void warnUnknownKeys(MappingNode item, Set<String> known, Context c) {
        for (NodeTuple t : item.getValue()) {
            String key = scalar(t.getKeyNode());
            if (key != null && !known.contains(key)) {
                result.warning(
                        LoadCode.LOAD_UNKNOWN_KEY,
                        "Unknown key '" + key + "'. The key will be ignored.",
                        yaml.at(c, t.getKeyNode().getStartMark()));
            }
        }
    }

    private ConditionSpan span(Node n) {
        if (!(n instanceof ScalarNode s)) return null;
        Context at = text.at(Context.ofFile(""), s.getStartMark());
        DumperOptions.ScalarStyle style = s.getScalarStyle();
        boolean block = style == DumperOptions.ScalarStyle.LITERAL || style == DumperOptions.ScalarStyle.FOLDED;
        int indent = 0;
        if (block && at.line() < lines.length) {
            String next = lines[at.line()];
            while (indent < next.length() && next.charAt(indent) == ' ') indent++;
        }
        int quote = style == DumperOptions.ScalarStyle.SINGLE_QUOTED || style == DumperOptions.ScalarStyle.DOUBLE_QUOTED
                ? 1
                : 0;
        return new ConditionSpan(
                at.line(), at.column() + quote, block, style == DumperOptions.ScalarStyle.FOLDED, indent);
    }
}
