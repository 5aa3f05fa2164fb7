package dev.peregrine.sidekick.mute;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The mutes in force as a Falco rules file: per rule, its exceptions appended with {@code
 * override: exceptions: append} (Falco 0.36 and later; the detector reads it the same way), one
 * exception per set of fields, one value row per mute. Load it after the rules it amends.
 */
public final class FalcoExceptions {
    private FalcoExceptions() {}

    public static String rulesFile(List<Mute> mutes, Instant now) {
        StringBuilder y = new StringBuilder();
        y.append("# Exceptions made by muting alerts in the Peregrine dashboard, generated ")
                .append(now)
                .append(".\n");
        y.append("# Load after the rules they amend, e.g. falco -r falco_rules.yaml -r this-file.yaml\n");
        Map<String, Map<List<String>, List<Mute>>> byRule = new TreeMap<>();
        for (Mute m : mutes) {
            if (m.activeAt(now)) {
                byRule.computeIfAbsent(m.rule(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(new ArrayList<>(m.fields().keySet()), k -> new ArrayList<>())
                        .add(m);
            }
        }
        if (byRule.isEmpty()) {
            y.append("# No mutes are in force.\n[]\n");
            return y.toString();
        }
        for (Map.Entry<String, Map<List<String>, List<Mute>>> rule : byRule.entrySet()) {
            y.append("\n- rule: ").append(quote(rule.getKey())).append('\n');
            y.append("  exceptions:\n");
            for (Map.Entry<List<String>, List<Mute>> set : rule.getValue().entrySet()) {
                List<String> fields = set.getKey();
                y.append("    - name: ").append(name(fields)).append('\n');
                y.append("      fields: [")
                        .append(fields.stream().map(FalcoExceptions::quote).collect(Collectors.joining(", ")))
                        .append("]\n");
                y.append("      comps: [")
                        .append(String.join(", ", fields.stream().map(f -> "=").toList()))
                        .append("]\n");
                y.append("      values:\n");
                for (Mute m : set.getValue()) {
                    y.append("        # ").append(describe(m)).append('\n');
                    y.append("        - [")
                            .append(fields.stream()
                                    .map(f -> quote(m.fields().get(f)))
                                    .collect(Collectors.joining(", ")))
                            .append("]\n");
                }
            }
            y.append("  override:\n    exceptions: append\n");
        }
        return y.toString();
    }

    /** An exception name from its fields: Falco merges appended exceptions by name. */
    static String name(List<String> fields) {
        return "peregrine_mute_"
                + fields.stream().map(f -> f.replaceAll("[^A-Za-z0-9]+", "_")).collect(Collectors.joining("__"));
    }

    private static String describe(Mute m) {
        String text = m.id() + " by " + (m.createdBy().isEmpty() ? "?" : m.createdBy()) + " on " + m.createdAt()
                + (m.expiresAt() == null ? "" : ", expires " + m.expiresAt())
                + (m.comment().isEmpty() ? "" : ": " + m.comment());
        return text.replaceAll("[\\r\\n]+", " ");
    }

    /** A YAML double-quoted scalar (JSON string syntax, which YAML accepts). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
