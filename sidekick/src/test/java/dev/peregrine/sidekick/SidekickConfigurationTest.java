package dev.peregrine.sidekick;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class SidekickConfigurationTest {

    /** A stdout output configured with nothing but its type and one sender. */
    static final Map<String, Object> STDOUT =
            Map.of("peregrine.outputs.stdout.type", "stdout", "peregrine.outputs.stdout.parallelism", "1");

    @Test
    void theStdoutFallbackHasTheSettingsABoundOutputGetsByDefault() {
        ConfiguredOutput bound = bind(STDOUT).getFirst();

        ConfiguredOutput fallback = SidekickConfiguration.stdoutFallback(new StandardEnvironment());

        assertThat(fallback.settings()).isEqualTo(bound.settings());
        assertThat(fallback).isEqualTo(bound);
    }

    @Test
    void theStdoutFallbackFollowsTheGlobalDedupAsABoundOutputDoes() {
        Map<String, Object> dedup = Map.of("peregrine.dedup.enabled", "true", "peregrine.dedup.window", "7m");
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", dedup));
        Map<String, Object> both = new HashMap<>(STDOUT);
        both.putAll(dedup);
        Policy bound = bind(both).getFirst().policy();

        Policy fallback = SidekickConfiguration.stdoutFallback(env).policy();

        assertThat(fallback).isInstanceOf(Policy.Dedup.class);
        assertThat(((Policy.Dedup) fallback).window()).isEqualTo(((Policy.Dedup) bound).window());
        assertThat(((Policy.Dedup) fallback).key().names())
                .isEqualTo(((Policy.Dedup) bound).key().names());
    }
}
