package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Translation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Understands Falcosidekick's environment variables ({@code SLACK_WEBHOOKURL},
 * {@code WEBHOOK_ADDRESS}, {@code *_MINIMUMPRIORITY}, {@code CUSTOMFIELDS}, {@code LISTENPORT},
 * ...), so an existing deployment's settings carry over: each output Falcosidekick would enable
 * becomes the output of the type that declares it ({@link
 * dev.peregrine.sidekick.output.FalcosidekickOutput}), named after the type ("email" for
 * {@code SMTP_*}). Added with the lowest precedence: any {@code peregrine.*} setting given
 * explicitly wins. The variables that cannot carry over (an output Peregrine lacks, a setting it
 * has no counterpart of) are refused at startup, by {@link #translation}'s refusals.
 */
public class FalcosidekickEnvironment implements EnvironmentPostProcessor {
    public static final String SOURCE = "falcosidekickEnvironment";

    /**
     * Spring Boot's own switch ({@code debug=true}: its condition report) before it is
     * Falcosidekick's: not taken as Falcosidekick's.
     */
    private static final List<String> SPRING_OWN = List.of("DEBUG");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> props = map(environment.getSystemEnvironment());
        if (!props.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, props));
        }
    }

    /** The properties the Falcosidekick variables among {@code env} become. */
    static Map<String, Object> map(Map<String, Object> env) {
        return translation(env, OutputCatalog.scan()).properties();
    }

    /** What the Falcosidekick variables among {@code env} become, and which cannot carry over. */
    public static Translation translation(Map<String, Object> env, OutputCatalog catalog) {
        return FalcosidekickSettings.translate(settings(env), FalcosidekickSettings.declared(catalog));
    }

    /** The variables among {@code env} that are Falcosidekick's, in name order. */
    static List<Setting> settings(Map<String, Object> env) {
        FalcosidekickKeys keys = FalcosidekickKeys.get();
        List<Setting> settings = new ArrayList<>();
        new TreeMap<>(env).forEach((name, value) -> {
            if (value != null && !SPRING_OWN.contains(name)) {
                keys.keyOfVariable(name).ifPresent(key -> settings.add(new Setting(key, name, value.toString())));
            }
        });
        return settings;
    }
}
