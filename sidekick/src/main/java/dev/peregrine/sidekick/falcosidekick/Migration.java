package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickKeys.Kind;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Translation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Converts a Falcosidekick {@code config.yaml} (or the Helm chart's values: its {@code config:}
 * section, or {@code falcosidekick.config:} in Falco's chart) into Peregrine's
 * {@code application.yml}, with what could not be carried over.
 */
public final class Migration {
    /** A key of our properties: a plain segment, or a bracketed map key ({@code [k8s.cluster]}). */
    private static final Pattern SEGMENT = Pattern.compile("\\[([^]]*)]|([^.\\[]+)");

    /**
     * @param yaml Peregrine's application.yml, what was converted
     * @param refused what could not be carried over, each with why and what to do instead
     * @param unknown keys that are not Falcosidekick settings, each "key: why"
     * @param skipped settings that change nothing (defaults, outputs Falcosidekick would not enable)
     */
    public record Result(
            Map<String, Object> yaml, List<Refusal> refused, List<String> unknown, List<Setting> skipped) {}

    private Migration() {}

    /** Converts the text of a Falcosidekick config.yaml or Helm values file. */
    public static Result convert(String falcosidekickYaml, OutputCatalog catalog) {
        Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(falcosidekickYaml);
        Map<String, Object> root = loaded instanceof Map<?, ?> m ? lowerKeys(m) : Map.of();
        Map<String, Object> config = helmConfig(root);
        boolean chart = config != root;
        List<Setting> settings = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        flatten("", config, settings, unknown, chart);
        Translation t = FalcosidekickSettings.translate(settings, FalcosidekickSettings.declared(catalog));
        return new Result(nest(t.properties()), t.refused(), unknown, t.skipped());
    }

    /** The chart's {@code config:} (or Falco's chart's {@code falcosidekick.config:}), else the file itself. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> helmConfig(Map<String, Object> root) {
        if (root.get("falcosidekick") instanceof Map<?, ?> fsk && fsk.get("config") instanceof Map<?, ?> config) {
            return (Map<String, Object>) config;
        }
        // Falcosidekick has no "config" key: a file with one is the chart's values.
        return root.get("config") instanceof Map<?, ?> config ? (Map<String, Object>) config : root;
    }

    /**
     * The chart's own keys under {@code config:} that are not Falcosidekick's: what to do instead,
     * or null for those that only concern the chart's deployment or outputs Peregrine lacks.
     */
    private static final Map<String, String> CHART_KEYS = new LinkedHashMap<>();

    static {
        CHART_KEYS.put(
                "existingsecret",
                "give the sidekick the secret's variables (env from the same secret):"
                        + " Falcosidekick's variables are read");
        CHART_KEYS.put("extraenv", "give the sidekick the same environment variables");
        CHART_KEYS.put("extraargs", "give the sidekick --KEY=VALUE arguments");
        CHART_KEYS.put("tlsserver.existingsecret", "mount the files; see server.ssl.* in this file");
        CHART_KEYS.put("tlsserver.servercrt", "mount the certificate; see server.ssl.certificate");
        CHART_KEYS.put("tlsserver.serverkey", "mount the key; see server.ssl.certificate-private-key");
        CHART_KEYS.put("tlsserver.cacrt", "mount the CA; see server.ssl.trust-certificate");
        CHART_KEYS.put("loki.grafanadashboard", null);
        CHART_KEYS.put("aws.useirsa", null);
        CHART_KEYS.put("azure", null);
        CHART_KEYS.put("gcp.workloadidentityserviceaccount", null);
        CHART_KEYS.put("cloudevents.extension", null);
    }

    /** The chart's spelling of a Falcosidekick key, where it has its own. */
    private static final Map<String, String> CHART_ALIASES =
            Map.of("alertmanager.expireafter", "alertmanager.expiresafter");

    @SuppressWarnings("unchecked")
    private static void flatten(
            String prefix, Map<String, Object> map, List<Setting> settings, List<String> unknown, boolean chart) {
        FalcosidekickKeys keys = FalcosidekickKeys.get();
        map.forEach((name, value) -> {
            String key = chart ? CHART_ALIASES.getOrDefault(prefix + name, prefix + name) : prefix + name;
            Kind kind = keys.kind(key).orElse(null);
            if (kind == null) {
                String chartKey = chart
                        ? CHART_KEYS.keySet().stream()
                                .filter(k -> key.equals(k) || key.startsWith(k + "."))
                                .findFirst()
                                .orElse(null)
                        : null;
                if (chartKey != null) {
                    String instead = CHART_KEYS.get(chartKey);
                    if (instead != null && SettingValues.set(value) && !"false".equals(String.valueOf(value))) {
                        unknown.add(key + ": the Helm chart's own setting; instead: " + instead);
                    }
                } else if (value instanceof Map<?, ?> m) {
                    flatten(key + ".", (Map<String, Object>) m, settings, unknown, chart);
                } else if (SettingValues.set(value)) {
                    unknown.add(key + ": not a Falcosidekick setting");
                }
                return;
            }
            settings.add(new Setting(
                    key,
                    key,
                    switch (kind) {
                        case MAP -> {
                            Map<String, String> entries = new LinkedHashMap<>();
                            if (value instanceof Map<?, ?> m) {
                                m.forEach((k, v) -> entries.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
                                yield entries;
                            }
                            yield value == null ? "" : value.toString(); // a name:value list, as in a variable
                        }
                        case LIST ->
                            value instanceof List<?> l
                                    ? l.stream().map(String::valueOf).toList()
                                    : value == null ? "" : value.toString();
                        case TEXT -> value == null ? "" : value.toString();
                    }));
        });
    }

    /** Falcosidekick reads its keys in any case; map entries (custom fields) keep theirs. */
    private static Map<String, Object> lowerKeys(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) ->
                out.put(String.valueOf(k).toLowerCase(Locale.ROOT), v instanceof Map<?, ?> m ? keepOrLower(k, m) : v));
        return out;
    }

    private static Object keepOrLower(Object key, Map<?, ?> m) {
        String k = String.valueOf(key).toLowerCase(Locale.ROOT);
        boolean entries = k.equals("customfields")
                || k.equals("templatedfields")
                || k.endsWith("headers")
                || k.startsWith("extra")
                || k.equals("customseveritymap")
                || k.equals("extensions")
                || k.equals("customattributes");
        return entries ? m : lowerKeys(m);
    }

    /** Flat properties as nested YAML maps. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> nest(Map<String, Object> properties) {
        Map<String, Object> root = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            List<String> segments = new ArrayList<>();
            Matcher m = SEGMENT.matcher(key);
            while (m.find()) {
                segments.add(m.group(1) != null ? m.group(1) : m.group(2));
            }
            Map<String, Object> at = root;
            for (int i = 0; i < segments.size() - 1; i++) {
                at = (Map<String, Object>)
                        at.computeIfAbsent(segments.get(i), s -> new LinkedHashMap<String, Object>());
            }
            at.put(segments.getLast(), value);
        });
        return root;
    }

    /** The application.yml: a header saying where it comes from and what was not carried over, then the settings. */
    public static String write(Result result, String source) {
        StringBuilder out = new StringBuilder();
        out.append("# Peregrine's application.yml, converted from Falcosidekick's ")
                .append(source)
                .append(" by `java -jar sidekick.jar migrate`.\n");
        out.append("# Put it beside sidekick.jar, or give it with --spring.config.additional-location=FILE.\n");
        if (!result.refused().isEmpty() || !result.unknown().isEmpty()) {
            out.append("# Not carried over (docs/migrating-from-falcosidekick.md):\n");
            report(result).forEach(line -> out.append("#   ").append(line).append('\n'));
        }
        if (result.yaml().isEmpty()) {
            out.append("# Nothing to carry over: with no outputs, the sidekick prints alerts to stdout.\n");
            return out.toString();
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setWidth(120);
        out.append(new Yaml(new Representer(options), options).dump(result.yaml()));
        return out.toString();
    }

    /** One line per setting not carried over. */
    public static List<String> report(Result result) {
        List<String> lines = new ArrayList<>();
        result.refused().forEach(r -> lines.add(r.describe()));
        lines.addAll(result.unknown());
        return lines;
    }
}
