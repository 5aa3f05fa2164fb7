package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import jakarta.validation.Validation;
import java.util.List;
import java.util.Map;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Binds {@code peregrine.outputs.*} as the sidekick does at startup, from properties given as a map. */
public final class ConfiguredOutputs {
    private static final OutputsBinder BINDER = new OutputsBinder(
            OutputCatalog.scan(), Validation.buildDefaultValidatorFactory().getValidator());

    private ConfiguredOutputs() {}

    public static List<ConfiguredOutput> bind(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return BINDER.bind(env);
    }
}
