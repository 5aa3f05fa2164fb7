package dev.peregrine.sidekick;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.config.ConfigurationSources;
import dev.peregrine.sidekick.config.KnownSettings;
import dev.peregrine.sidekick.config.PeregrineProperties;
import dev.peregrine.sidekick.config.UiProperties;
import dev.peregrine.sidekick.dedup.Policies;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickFormat;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickKeys;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Translation;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Checks the whole configuration once it is read and before anything starts (no web server, no
 * spool, no thread), and reports every problem at once: settings nothing reads (a typo under
 * {@code peregrine.*}, Falcosidekick's format in application.yml, a Falcosidekick variable of an
 * output Peregrine lacks), values that cannot work, and what each output checks of its own
 * (templates, URLs). Settings nothing reads are only logged, once each, with
 * {@code peregrine.config.unknown: warn}. It also logs which files and variables were read.
 */
final class ConfigurationCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {
    private static final Logger log = LoggerFactory.getLogger(ConfigurationCheck.class);

    /** Property sources the sidekick makes itself. */
    private static final Set<String> OWN_SOURCES = Set.of(FalcosidekickEnvironment.SOURCE);

    private static final String UI = "peregrine.ui";

    /** After logging is set up, so that what is logged here goes where the rest goes. */
    @Override
    public int getOrder() {
        return LoggingApplicationListener.DEFAULT_ORDER + 1;
    }

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        ConfigurableEnvironment env = event.getEnvironment();
        OutputCatalog catalog = OutputCatalog.scan();
        Translation falcosidekick = FalcosidekickEnvironment.translation(env.getSystemEnvironment(), catalog);
        log.info(
                "configuration read from {}",
                ConfigurationSources.describe(
                        env,
                        falcosidekick.used().keySet().stream()
                                .map(FalcosidekickKeys::variable)
                                .toList()));

        List<String> unread = new ArrayList<>();
        KnownSettings.scan(Sidekick.class.getPackageName(), List.of(OutputsBinder.PREFIX, Policies.GLOBAL))
                .unknown(env, OWN_SOURCES)
                .forEach(u -> unread.add(u.describe()));
        unread.addAll(FalcosidekickFormat.problems(env, catalog, OWN_SOURCES));
        falcosidekick.refused().stream().map(Refusal::describe).forEach(unread::add);

        List<String> problems = new ArrayList<>();
        PeregrineProperties properties;
        try (ValidatorFactory validation = Validation.buildDefaultValidatorFactory()) {
            Validator validator = validation.getValidator();
            properties = properties(env, validator, problems);
            problems.addAll(outputs(env, catalog, validator));
            problems.addAll(ui(env, validator));
        }
        if (properties != null) {
            properties.templatedfields().forEach((name, source) -> {
                try {
                    AlertTemplate.compile("peregrine.templatedfields." + name, source);
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            });
        }
        if (properties != null && properties.config().warnOnly()) {
            unread.forEach(u -> log.warn("{} (peregrine.config.unknown is warn: starting anyway)", u));
        } else {
            problems.addAll(0, unread);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static PeregrineProperties properties(
            ConfigurableEnvironment env, Validator validator, List<String> problems) {
        PeregrineProperties p;
        try {
            p = Binder.get(env).bindOrCreate(KnownSettings.ROOT, Bindable.of(PeregrineProperties.class));
        } catch (BindException e) {
            problems.add(
                    e.getProperty() != null
                            ? e.getProperty().getName() + ": " + rootMessage(e)
                            : e.getName() + ": " + rootMessage(e));
            return null;
        }
        for (ConstraintViolation<PeregrineProperties> v : validator.validate(p)) {
            problems.add(key(KnownSettings.ROOT, v) + ": " + v.getMessage());
        }
        problems.addAll(p.intake().problems());
        return p;
    }

    /** The dashboard's settings ({@code peregrine.ui.*}), bound and checked as the rest are. */
    private static List<String> ui(ConfigurableEnvironment env, Validator validator) {
        UiProperties ui;
        try {
            ui = Binder.get(env).bindOrCreate(UI, Bindable.of(UiProperties.class));
        } catch (BindException e) {
            return List.of((e.getProperty() != null ? e.getProperty().getName() : e.getName()) + ": " + rootMessage(e));
        }
        List<String> problems = new ArrayList<>();
        for (ConstraintViolation<UiProperties> v : validator.validate(ui)) {
            problems.add(key(UI, v) + ": " + v.getMessage());
        }
        problems.addAll(ui.problems());
        return problems;
    }

    /** The full key of a violation's property: its path in kebab case under the prefix. */
    private static String key(String prefix, ConstraintViolation<?> v) {
        return prefix + "."
                + v.getPropertyPath()
                        .toString()
                        .replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                        .toLowerCase(Locale.ROOT);
    }

    /** Every output's problems: binding, then what each output checks itself. */
    private static List<String> outputs(ConfigurableEnvironment env, OutputCatalog catalog, Validator validator) {
        try {
            List<ConfiguredOutput> outputs = new OutputsBinder(catalog, validator).bind(env);
            if (outputs.isEmpty()) {
                SidekickConfiguration.stdoutFallback(env);
                return List.of();
            }
            return OutputsBinder.check(outputs);
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
