package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.dedup.Policies;
import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.PayloadStyle;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.route.Route;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validator;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Reads {@code peregrine.outputs.*} into validated {@link ConfiguredOutput}s. Every problem is
 * collected and reported at once, each with its full key: unknown type, unknown key (a typo would
 * otherwise silently fall back to a default), conversion failures and constraint violations.
 */
public final class OutputsBinder {
    public static final String PREFIX = "peregrine.outputs";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private final OutputCatalog catalog;
    private final Validator validator;

    public OutputsBinder(OutputCatalog catalog, Validator validator) {
        this.catalog = catalog;
        this.validator = validator;
    }

    public List<ConfiguredOutput> bind(ConfigurableEnvironment env) {
        Binder binder = Binder.get(env);
        Map<String, Set<String>> keysByOutput = keysByOutput(env);
        List<String> problems = new ArrayList<>();
        List<ConfiguredOutput> outputs = new ArrayList<>();
        Policies.Global dedup = Policies.global(env, problems);
        PayloadStyle style = style(binder, "peregrine.payloads", PayloadStyle.FALCOSIDEKICK, problems);
        Set<String> customFields = new TreeSet<>();
        for (String fields : List.of("peregrine.customfields", "peregrine.templatedfields")) {
            binder.bind(fields, Bindable.mapOf(String.class, String.class))
                    .ifBound(m -> customFields.addAll(m.keySet()));
        }
        keysByOutput.forEach((name, keys) -> {
            String key = PREFIX + "." + name;
            if (!NAME.matcher(name).matches()) {
                problems.add(key + ": output names are lower-case letters, digits and '-'");
                return;
            }
            int before = problems.size();
            OutputSettings settings = bind(binder, key, OutputSettings.class, problems);
            if (settings == null || problems.size() > before) {
                return;
            }
            Class<? extends OutputConfig> configClass = catalog.configOf(settings.type());
            if (configClass == null) {
                problems.add(key + ".type: unknown output type '" + settings.type() + "'; known types: "
                        + String.join(", ", catalog.typeNames()));
                return;
            }
            Set<String> known = new TreeSet<>(keysOf(OutputSettings.class));
            known.addAll(keysOf(configClass));
            for (String k : keys) {
                if (!known.contains(k)) {
                    problems.add(key + "." + k + ": unknown key for a " + settings.type() + " output; known keys: "
                            + String.join(", ", known));
                }
            }
            Route route = route(key, settings, problems);
            Policy policy = Policies.resolve(env, key, dedup, settings.dedup(), settings.group(), problems);
            OutputConfig config = bind(binder, key, configClass, problems);
            if (config != null) {
                checkTls(key, config, problems);
            }
            PayloadStyle own = style(binder, key + ".payloads", style, problems);
            if (problems.size() == before) {
                outputs.add(new ConfiguredOutput(
                        name,
                        settings.type(),
                        route,
                        settings,
                        config,
                        policy,
                        new OutputContext(name, key, own, customFields)));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        outputs.sort(Comparator.comparing(ConfiguredOutput::name));
        return outputs;
    }

    /**
     * What each output's {@link OutputConfig#check} finds (templates that do not compile, URLs an
     * output cannot use, ...), every output's: the first problem of each.
     */
    public static List<String> check(List<ConfiguredOutput> outputs) {
        List<String> problems = new ArrayList<>();
        for (ConfiguredOutput o : outputs) {
            try {
                o.config().check(o.context());
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        return problems;
    }

    private <T> T bind(Binder binder, String key, Class<T> type, List<String> problems) {
        T value;
        try {
            value = binder.bindOrCreate(key, Bindable.of(type));
        } catch (BindException e) {
            String at = e.getProperty() != null
                    ? e.getProperty().getName().toString()
                    : e.getName().toString();
            problems.add(at + ": " + rootMessage(e));
            return null;
        }
        for (ConstraintViolation<T> v : validator.validate(value)) {
            problems.add(key + "." + kebabPath(v.getPropertyPath()) + ": " + v.getMessage());
        }
        return value;
    }

    /** {@code falcosidekick} or {@code peregrine} at {@code key}, else {@code fallback}. */
    private static PayloadStyle style(Binder binder, String key, PayloadStyle fallback, List<String> problems) {
        String name = binder.bind(key, String.class).orElse(null);
        if (name == null) {
            return fallback;
        }
        try {
            return PayloadStyle.of(name);
        } catch (IllegalArgumentException e) {
            problems.add(key + ": must be falcosidekick or peregrine, got '" + name + "'");
            return fallback;
        }
    }

    private static Route route(String key, OutputSettings s, List<String> problems) {
        try {
            return new Route(Priority.parse(s.minimumPriority()), s.rules(), s.tags(), s.sources());
        } catch (IllegalArgumentException e) {
            problems.add(key + ".minimum-priority: " + e.getMessage());
            return Route.ALL;
        }
    }

    private static void checkTls(String key, Object config, List<String> problems) {
        for (RecordComponent c : config.getClass().getRecordComponents()) {
            try {
                if (c.getAccessor().invoke(config) instanceof TlsConfig tls && tls.problem() != null) {
                    problems.add(key + "." + kebab(c.getName()) + ": " + tls.problem());
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The first key segment below each output, e.g. {"siem" -> {"type", "url"}}. */
    private static Map<String, Set<String>> keysByOutput(ConfigurableEnvironment env) {
        ConfigurationPropertyName prefix = ConfigurationPropertyName.of(PREFIX);
        Map<String, Set<String>> keys = new TreeMap<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream()
                        .filter(prefix::isAncestorOf)
                        .filter(n -> n.getNumberOfElements() > prefix.getNumberOfElements() + 1)
                        .forEach(n -> keys.computeIfAbsent(
                                        n.getElement(
                                                prefix.getNumberOfElements(), ConfigurationPropertyName.Form.ORIGINAL),
                                        k -> new TreeSet<>())
                                .add(n.getElement(
                                        prefix.getNumberOfElements() + 1, ConfigurationPropertyName.Form.DASHED)));
            }
        }
        return keys;
    }

    private static Set<String> keysOf(Class<?> record) {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            keys.add(kebab(c.getName()));
        }
        return keys;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String kebabPath(Path path) {
        List<String> parts = new ArrayList<>();
        for (Path.Node n : path) {
            if (n.getName() != null) {
                parts.add(kebab(n.getName()));
            }
        }
        return String.join(".", parts);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
