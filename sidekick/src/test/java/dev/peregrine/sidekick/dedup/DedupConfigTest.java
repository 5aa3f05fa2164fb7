package dev.peregrine.sidekick.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.Sidekick;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import jakarta.validation.Validation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.SpringApplication;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class DedupConfigTest {
    static final OutputsBinder binder = new OutputsBinder(
            OutputCatalog.scan(), Validation.buildDefaultValidatorFactory().getValidator());

    static List<ConfiguredOutput> bind(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(Map.of(
                "peregrine.outputs.siem.type",
                "webhook",
                "peregrine.outputs.siem.url",
                "http://x",
                "peregrine.outputs.chat.type",
                "webhook",
                "peregrine.outputs.chat.url",
                "http://y"));
        props.putAll(extra);
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", props));
        return binder.bind(env);
    }

    static Policy policy(List<ConfiguredOutput> outputs, String name) {
        return outputs.stream()
                .filter(o -> o.name().equals(name))
                .findFirst()
                .orElseThrow()
                .policy();
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of(
                        Map.of("peregrine.dedup.window", "0s"), "peregrine.dedup.window: must be a positive duration"),
                Arguments.of(Map.of("peregrine.dedup.window", "soon"), "peregrine.dedup.window: "),
                Arguments.of(
                        Map.of("peregrine.dedup.key", "rule,hostnme"),
                        "peregrine.dedup.key[1]: unknown key field 'hostnme'; expected rule, priority, hostname"),
                Arguments.of(
                        Map.of("peregrine.dedup.windw", "1m"),
                        "peregrine.dedup.windw: unknown key; known keys: enabled, key, window"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.dedup.window", "-5s"),
                        "peregrine.outputs.chat.dedup.window: must be a positive duration"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.dedup.window", "often"),
                        "peregrine.outputs.chat.dedup.window: "),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.chat.dedup.key[0]",
                                "rule",
                                "peregrine.outputs.chat.dedup.key[1]",
                                "proc name"),
                        "peregrine.outputs.chat.dedup.key[1]: unknown key field 'proc name'"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.dedup.keys", "rule"),
                        "peregrine.outputs.chat.dedup.keys: unknown key; known keys: enabled, key, window"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.group.window", "0s"),
                        "peregrine.outputs.chat.group.window: must be a positive duration"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.group.by", "hostname,Container"),
                        "peregrine.outputs.chat.group.by[1]: unknown key field 'Container'"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.group.bye", "hostname"),
                        "peregrine.outputs.chat.group.bye: unknown key; known keys: by, enabled, window"));
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void eachProblemNamesItsFullKey(Map<String, Object> props, String expected) {
        assertThatThrownBy(() -> bind(props))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p).startsWith(expected)));
    }

    @Test
    void offUnlessConfigured() {
        List<ConfiguredOutput> outputs = bind(Map.of());
        assertThat(outputs).extracting(ConfiguredOutput::policy).containsOnly(Policy.NONE);
    }

    @Test
    void theGlobalSectionAppliesToEveryOutputAndAnOutputOverridesWhatItNames() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.dedup.window", "5m",
                "peregrine.outputs.chat.dedup.key",
                        "rule,priority,hostname,container.id,proc.aname[2],output_fields.cluster"));
        assertThat(policy(outputs, "siem")).isInstanceOfSatisfying(Policy.Dedup.class, d -> {
            assertThat(d.window()).isEqualTo(Duration.ofMinutes(5));
            assertThat(d.key().names()).containsExactly("rule", "priority", "hostname", "container.id");
        });
        assertThat(policy(outputs, "chat")).isInstanceOfSatisfying(Policy.Dedup.class, d -> {
            assertThat(d.window()).as("inherited").isEqualTo(Duration.ofMinutes(5));
            assertThat(d.key().names())
                    .containsExactly(
                            "rule", "priority", "hostname", "container.id", "proc.aname[2]", "output_fields.cluster");
        });
    }

    @Test
    void anOutputCanTurnTheGlobalDefaultOffOrTurnDedupOnForItselfOnly() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.dedup.enabled", "true",
                "peregrine.outputs.siem.dedup.enabled", "false"));
        assertThat(policy(outputs, "siem")).isEqualTo(Policy.NONE);
        assertThat(policy(outputs, "chat")).isInstanceOf(Policy.Dedup.class);

        List<ConfiguredOutput> own = bind(Map.of("peregrine.outputs.chat.dedup.window", "10s"));
        assertThat(policy(own, "siem")).isEqualTo(Policy.NONE);
        assertThat(policy(own, "chat"))
                .isInstanceOfSatisfying(
                        Policy.Dedup.class, d -> assertThat(d.window()).isEqualTo(Duration.ofSeconds(10)));
    }

    @Test
    void groupingTakesThePlaceOfDedupOnItsOutput() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.dedup.enabled", "true",
                "peregrine.outputs.chat.group.window", "45s"));
        assertThat(policy(outputs, "chat")).isInstanceOfSatisfying(Policy.Group.class, g -> {
            assertThat(g.window()).isEqualTo(Duration.ofSeconds(45));
            assertThat(g.by().names()).containsExactly("hostname", "container.id");
        });
        assertThat(policy(outputs, "siem")).isInstanceOf(Policy.Dedup.class);
    }

    @Test
    void startupStopsWithTheKeyAndReason(@TempDir Path dir) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir,
                        "--peregrine.dedup.key=rule,hostnme"))
                // Checked before the context starts: the ConfigException itself, or the cause of a wrapper.
                .satisfies(e -> assertThat(NestedExceptionUtils.getMostSpecificCause(e))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining("peregrine.dedup.key[1]: unknown key field 'hostnme'"));
    }
}
