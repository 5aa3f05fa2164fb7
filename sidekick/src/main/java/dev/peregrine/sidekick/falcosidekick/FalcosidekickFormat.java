package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.config.Origins;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickKeys.Kind;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Translation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Finds Falcosidekick's format where Peregrine's is expected: {@code slack: webhookurl: ...} at
 * the top of an application.yml (or {@code --slack.webhookurl=...}). Nothing reads such keys, so
 * each is reported with what it is written as here, as the {@code migrate} command would write it.
 */
public final class FalcosidekickFormat {
    /** Spring Boot's own {@code debug} before it is Falcosidekick's. */
    private static final Set<String> SPRING_OWN = Set.of("debug");

    private FalcosidekickFormat() {}

    /**
     * One line per key in Falcosidekick's format, saying what to write instead.
     *
     * @param ignored names of property sources not to look at
     */
    public static List<String> problems(ConfigurableEnvironment env, OutputCatalog catalog, Set<String> ignored) {
        FalcosidekickKeys keys = FalcosidekickKeys.get();
        Set<String> top = keys.topLevelNames();
        List<String> problems = new ArrayList<>();
        for (PropertySource<?> ps : env.getPropertySources()) {
            if (ignored.contains(ps.getName())
                    || ps.getName().equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)
                    || ps.getName().equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)
                    || !(ConfigurationPropertySource.from(ps) instanceof IterableConfigurationPropertySource source)) {
                continue;
            }
            Map<String, Setting> settings = new LinkedHashMap<>();
            Map<String, String> where = new LinkedHashMap<>();
            source.stream()
                    .filter(n -> top.contains(n.getElement(0, Form.UNIFORM))
                            && !SPRING_OWN.contains(n.getElement(0, Form.UNIFORM)))
                    .forEach(n -> collect(keys, source, n, settings, where));
            if (settings.isEmpty()) {
                continue;
            }
            Translation t = FalcosidekickSettings.translate(settings.values(), FalcosidekickSettings.declared(catalog));
            for (Setting s : settings.values()) {
                problems.add(describe(s, where.get(s.key()), t));
            }
        }
        return problems;
    }

    /** Gathers a key as a Falcosidekick setting: map entries into one map, list items into one list. */
    @SuppressWarnings("unchecked")
    private static void collect(
            FalcosidekickKeys keys,
            ConfigurationPropertySource source,
            ConfigurationPropertyName name,
            Map<String, Setting> settings,
            Map<String, String> where) {
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < name.getNumberOfElements(); i++) {
            if (name.isNumericIndex(i)) {
                break;
            }
            key.append(i == 0 ? "" : ".").append(name.getElement(i, Form.UNIFORM));
            Kind kind = keys.kind(key.toString()).orElse(null);
            if (kind == null) {
                continue;
            }
            ConfigurationProperty p = source.getConfigurationProperty(name);
            Object value = p == null || p.getValue() == null ? "" : p.getValue().toString();
            String k = key.toString();
            where.putIfAbsent(k, p == null ? null : Origins.describe(p.getOrigin()));
            switch (kind) {
                case MAP -> {
                    if (i + 1 < name.getNumberOfElements()) {
                        Setting s = settings.computeIfAbsent(
                                k, x -> new Setting(x, x, new LinkedHashMap<String, String>()));
                        ((Map<String, String>) s.value()).put(name.getElement(i + 1, Form.ORIGINAL), value.toString());
                    }
                }
                case LIST -> {
                    Setting s = settings.computeIfAbsent(k, x -> new Setting(x, x, new ArrayList<String>()));
                    if (s.value() instanceof List<?> list) {
                        ((List<String>) list).add(value.toString());
                    }
                }
                case TEXT -> settings.put(k, new Setting(k, k, value));
            }
            return;
        }
        String k = name.toString();
        ConfigurationProperty p = source.getConfigurationProperty(name);
        where.putIfAbsent(k, p == null ? null : Origins.describe(p.getOrigin()));
        settings.put(k, new Setting(k, k, ""));
    }

    private static String describe(Setting s, String origin, Translation t) {
        String head = s.key() + (origin == null ? "" : " (" + origin + ")") + ": Falcosidekick's format, which"
                + " Peregrine does not read; ";
        List<String> became = t.used().get(s.key());
        if (became != null && !became.isEmpty()) {
            return head + "write " + String.join(" and ", became) + " instead (java -jar sidekick.jar migrate FILE"
                    + " converts a whole Falcosidekick config.yaml)";
        }
        for (Refusal r : t.refused()) {
            if (r.key().equals(s.key()) || s.key().startsWith(r.key() + ".")) {
                return head + "and Peregrine has no counterpart: " + r.reason()
                        + (r.instead() == null ? "" : "; instead: " + r.instead());
            }
        }
        if (FalcosidekickKeys.get().kind(s.key()).isEmpty()) {
            return head + "nor is it a Falcosidekick setting; remove it";
        }
        return head + "it changes nothing here (a default, or an output Falcosidekick would not enable); remove it";
    }
}
