package dev.peregrine.sidekick.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Which files, arguments and variables the configuration came from, for the startup log: names
 * only, never values (they hold tokens and passwords).
 */
public final class ConfigurationSources {
    /** How Spring Boot names a property source read from a config file. */
    private static final Pattern CONFIG_RESOURCE = Pattern.compile("Config resource '(.+?)' via location");

    private static final Pattern FILE = Pattern.compile("file \\[(.+)]");
    private static final Pattern CLASS_PATH = Pattern.compile("class path resource \\[(.+)]");

    /** Prefixes of the variables Spring reads as settings of the sidekick. */
    private static final List<String> SETTING_VARIABLES =
            List.of("PEREGRINE_", "SPRING_", "SERVER_", "MANAGEMENT_", "LOGGING_");

    private ConfigurationSources() {}

    /**
     * From the lowest precedence to the highest: e.g. "the embedded defaults (application.yml in
     * the jar), then /etc/peregrine/application.yml, then the command line (--server.port), then
     * environment variables PEREGRINE_SPOOL_DIR, SLACK_WEBHOOKURL (Falcosidekick's)".
     *
     * @param falcosidekick the Falcosidekick variables that were carried over
     */
    public static String describe(ConfigurableEnvironment env, Collection<String> falcosidekick) {
        List<String> parts = new ArrayList<>();
        for (PropertySource<?> ps : env.getPropertySources()) {
            Matcher m = CONFIG_RESOURCE.matcher(ps.getName());
            if (m.find()) {
                parts.add(resource(m.group(1)));
            } else if (ps.getName().equals(CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME)
                    && ps instanceof EnumerablePropertySource<?> args) {
                Set<String> names = new TreeSet<>();
                for (String n : args.getPropertyNames()) {
                    if (!n.equals(CommandLinePropertySource.DEFAULT_NON_OPTION_ARGS_PROPERTY_NAME)) {
                        names.add("--" + n);
                    }
                }
                if (!names.isEmpty()) {
                    parts.add("the command line (" + String.join(", ", names) + ")");
                }
            }
        }
        Collections.reverse(parts); // property sources come highest precedence first
        Set<String> variables = new TreeSet<>();
        env.getSystemEnvironment().keySet().stream()
                .filter(n -> SETTING_VARIABLES.stream().anyMatch(n::startsWith))
                .forEach(variables::add);
        falcosidekick.forEach(v -> variables.add(v + " (Falcosidekick's)"));
        if (!variables.isEmpty()) {
            parts.add("environment variables " + String.join(", ", variables));
        }
        return String.join(", then ", parts);
    }

    private static String resource(String description) {
        Matcher file = FILE.matcher(description);
        if (file.matches()) {
            return Path.of(file.group(1)).toAbsolutePath().normalize().toString();
        }
        Matcher cp = CLASS_PATH.matcher(description);
        if (cp.matches() && cp.group(1).equals("application.yml")) {
            return "the embedded defaults (application.yml in the jar)";
        }
        return description;
    }
}
