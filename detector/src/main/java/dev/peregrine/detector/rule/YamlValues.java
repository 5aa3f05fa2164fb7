package dev.peregrine.detector.rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Values of a rules file's YAML items, decoded as Falco's reader decodes them and refused with its
 * messages (LOAD_ERR_YAML_VALIDATE) at the value's line and column.
 */
final class YamlValues {
    private final YamlText text;

    YamlValues(YamlText text) {
        this.text = text;
    }

    Items.Entry entry(MappingNode map, String key, Context ctx, boolean optional) {
        Node n = get(map, key);
        if (n == null) {
            if (optional) return null;
            throw validate("Item has no mapping for key '" + key + "'", ctx);
        }
        return entryOf(n, at(ctx, n.getStartMark()));
    }

    Items.Entry entryOf(Node n, Context ctx) {
        if (n instanceof ScalarNode s) {
            if (s.getValue().isEmpty()) throw validate("Value must be non-empty", ctx);
            return Items.Entry.of(text.value(s.getValue()));
        }
        if (n instanceof SequenceNode seq) {
            List<Items.Entry> items = new ArrayList<>();
            for (Node v : seq.getValue()) items.add(entryOf(v, at(ctx, v.getStartMark())));
            return new Items.Entry(true, null, items);
        }
        throw validate("Value is not a scalar value", ctx);
    }

    static Node get(MappingNode map, String key) {
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) return t.getValueNode();
        }
        return null;
    }

    String string(MappingNode map, String key, Context ctx, boolean optional) {
        Node v = get(map, key);
        if (v == null) {
            if (optional) return null;
            throw validate("Item has no mapping for key '" + key + "'", ctx);
        }
        if (isNull(v)) throw validate("Mapping for key '" + key + "' is empty", ctx);
        Context vc = at(ctx, v.getStartMark());
        if (!(v instanceof ScalarNode s)) throw validate("Value is not a scalar value", vc);
        if (s.getValue().isEmpty()) throw validate("Value must be non-empty", vc);
        return text.value(s.getValue());
    }

    /** An optional scalar that may be empty (Falco's decode_optional_empty_val): null when absent or null. */
    String optionalString(MappingNode map, String key, Context ctx) {
        Node v = get(map, key);
        if (v == null || isNull(v)) return null;
        if (!(v instanceof ScalarNode s)) throw validate("Value is not a scalar value", at(ctx, v.getStartMark()));
        return text.value(s.getValue());
    }

    /**
     * An unsigned 32-bit number as yaml-cpp decodes one: decimal, 0x hexadecimal or 0 octal, an
     * optional plus sign, trailing blanks allowed; anything else cannot be decoded.
     */
    long uint32(MappingNode map, String key, Context ctx) {
        String v = string(map, key, ctx, false);
        Long n = YamlScalars.parseUint32(v);
        if (n == null)
            throw validate(
                    "Can't decode YAML scalar value", at(ctx, get(map, key).getStartMark()));
        return n;
    }

    boolean bool(MappingNode map, String key, Context ctx) {
        return get(map, key) != null && requiredBool(map, key, ctx);
    }

    boolean requiredBool(MappingNode map, String key, Context ctx) {
        String v = string(map, key, ctx, false).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "y" -> true;
            case "false", "no", "off", "n" -> false;
            default ->
                throw validate(
                        "Can't decode YAML scalar value", at(ctx, get(map, key).getStartMark()));
        };
    }

    List<String> sequence(MappingNode map, String key, Context ctx, boolean optional) {
        Node v = get(map, key);
        if (v == null) {
            if (optional) return null;
            throw validate("Item has no mapping for key '" + key + "'", ctx);
        }
        Context vc = at(ctx, v.getStartMark());
        if (!(v instanceof SequenceNode seq)) throw validate("Value is not a sequence", vc);
        List<String> out = new ArrayList<>();
        for (Node n : seq.getValue()) {
            if (!(n instanceof ScalarNode s)) throw validate("sequence value is not scalar", at(vc, n.getStartMark()));
            out.add(text.value(s.getValue()));
        }
        return out;
    }

    static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    Context at(Context ctx, Mark mark) {
        return text.at(ctx, mark);
    }

    static RuleLoadException validate(String message, Context ctx) {
        return new RuleLoadException(LoadCode.LOAD_ERR_YAML_VALIDATE, message, ctx);
    }
}
