package dev.peregrine.sidekick.dedup;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Turns {@code peregrine.dedup.*} and each output's {@code dedup.*} / {@code group.*} into one
 * {@link Policy} per output. Every problem is reported with its full key, like the rest of the
 * configuration (see {@link dev.peregrine.sidekick.config.ConfigException}).
 */
public final class Policies {
    public static final String GLOBAL = "peregrine.dedup";
    private static final Set<String> DEDUP_KEYS = Set.of("enabled", "window", "key");
    private static final Set<String> GROUP_KEYS = Set.of("enabled", "window", "by");

    /** The global section, checked; built-in defaults where it says nothing. */
    public record Global(boolean enabled, Duration window, AlertKey key) {}

    private Policies() {}

    /** Binds and checks {@code peregrine.dedup}; problems go to {@code problems}. */
    public static Global global(ConfigurableEnvironment env, List<String> problems) {
        checkKeys(env, GLOBAL, DEDUP_KEYS, problems);
        DedupSettings s;
        try {
            s = Binder.get(env).bindOrCreate(GLOBAL, Bindable.of(DedupSettings.class));
        } catch (BindException e) {
            problems.add(name(e) + ": " + rootMessage(e));
            s = new DedupSettings(null, null, null);
        }
        boolean present = s.enabled() != null || s.window() != null || s.key() != null;
        Duration window = window(GLOBAL + ".window", s.window(), DedupSettings.DEFAULT_WINDOW, problems);
        AlertKey key = AlertKey.parse(GLOBAL + ".key", s.key() == null ? DedupSettings.DEFAULT_KEY : s.key(), problems);
        return new Global(present && (s.enabled() == null || s.enabled()), window, key);
    }

    /**
     * One output's policy. Grouping, when configured, takes the place of dedup on that output.
     *
     * @param outputKey the output's full key, "peregrine.outputs.chat"
     * @param dedup the output's dedup section, null when absent
     * @param group the output's group section, null when absent
     */
    public static Policy resolve(
            ConfigurableEnvironment env,
            String outputKey,
            Global global,
            DedupSettings dedup,
            GroupSettings group,
            List<String> problems) {
        checkKeys(env, outputKey + ".dedup", DEDUP_KEYS, problems);
        checkKeys(env, outputKey + ".group", GROUP_KEYS, problems);
        Policy dedupPolicy = dedup(outputKey + ".dedup", global, dedup, problems);
        if (group != null && (group.enabled() == null || group.enabled())) {
            Duration window =
                    window(outputKey + ".group.window", group.window(), GroupSettings.DEFAULT_WINDOW, problems);
            AlertKey by = AlertKey.parse(
                    outputKey + ".group.by", group.by() == null ? GroupSettings.DEFAULT_BY : group.by(), problems);
            return window == null || by == null ? Policy.NONE : new Policy.Group(window, by);
        }
        return dedupPolicy;
    }

    private static Policy dedup(String key, Global global, DedupSettings own, List<String> problems) {
        if (own == null) {
            return global.enabled() && global.window() != null && global.key() != null
                    ? new Policy.Dedup(global.window(), global.key())
                    : Policy.NONE;
        }
        Duration window = own.window() == null
                ? global.window()
                : window(key + ".window", own.window(), DedupSettings.DEFAULT_WINDOW, problems);
        AlertKey alertKey = own.key() == null ? global.key() : AlertKey.parse(key + ".key", own.key(), problems);
        if (own.enabled() != null && !own.enabled()) {
            return Policy.NONE;
        }
        return window == null || alertKey == null ? Policy.NONE : new Policy.Dedup(window, alertKey);
    }

    private static Duration window(String key, Duration value, Duration fallback, List<String> problems) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero()) {
            problems.add(key + ": must be a positive duration (e.g. 30s, 5m), not " + value);
            return null;
        }
        return value;
    }

    /** Reports keys under {@code prefix} that are not in {@code known} (a typo would silently fall back to a default). */
    private static void checkKeys(
            ConfigurableEnvironment env, String prefix, Set<String> known, List<String> problems) {
        ConfigurationPropertyName p = ConfigurationPropertyName.of(prefix);
        Set<String> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream()
                        .filter(p::isAncestorOf)
                        .map(n -> n.getElement(p.getNumberOfElements(), ConfigurationPropertyName.Form.DASHED))
                        .filter(k -> !known.contains(k))
                        .forEach(unknown::add);
            }
        }
        for (String k : unknown) {
            problems.add(prefix + "." + k + ": unknown key; known keys: " + String.join(", ", new TreeSet<>(known)));
        }
    }

    private static String name(BindException e) {
        return e.getProperty() != null
                ? e.getProperty().getName().toString()
                : e.getName().toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
