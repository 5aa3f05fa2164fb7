package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How Falcosidekick's values read: a variable holds text, "a,b" lists or "name:value,name:value"
 * maps, where its {@code config.yaml} holds the list or map itself; both read the same here.
 */
final class SettingValues {
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private SettingValues() {}

    static boolean set(Object value) {
        return switch (value) {
            case null -> false;
            case Map<?, ?> m -> !m.isEmpty();
            case List<?> l -> !l.isEmpty();
            default -> !value.toString().isBlank();
        };
    }

    static String text(Object value) {
        return switch (value) {
            case null -> "";
            case List<?> l -> String.join(",", list(l));
            default -> value.toString();
        };
    }

    static List<String> list(Object value) {
        if (value instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        List<String> items = new ArrayList<>();
        for (String item : text(value).split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> map(Setting s) {
        if (s.value() instanceof Map<?, ?> m) {
            return (Map<String, String>) m;
        }
        return pairs(text(s.value()));
    }

    /** Falcosidekick's "name:value,name:value" lists; an item without a colon is skipped. */
    static Map<String, String> pairs(String list) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String item : list.split(",")) {
            int colon = item.indexOf(':');
            if (colon > 0) {
                m.put(item.substring(0, colon).trim(), item.substring(colon + 1).trim());
            }
        }
        return m;
    }

    /** The value of one of an output's keys, "" when it is not given. */
    static Object value(Map<String, Setting> own, String key) {
        Setting s = own.get(key);
        return s == null ? "" : s.value();
    }

    /** A map entry's property: {@code base.name}, or {@code base[name]} where the name has dots. */
    static String entry(String base, String name) {
        return PLAIN_NAME.matcher(name).matches() ? base + "." + name : base + "[" + name + "]";
    }

    /** Falcosidekick's "%VAR" reads the variable VAR: Spring's ${VAR} does the same. */
    static String envReference(String value) {
        return value.startsWith("%") && value.length() > 1 ? "${" + value.substring(1) + "}" : value;
    }
}
