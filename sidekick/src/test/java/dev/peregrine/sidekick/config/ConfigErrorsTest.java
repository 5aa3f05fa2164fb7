package dev.peregrine.sidekick.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.Sidekick;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import dev.peregrine.sidekick.output.webhook.WebhookConfig;
import jakarta.validation.Validation;
import java.nio.file.Path;
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

class ConfigErrorsTest {
    static final OutputsBinder binder = new OutputsBinder(
            OutputCatalog.scan(), Validation.buildDefaultValidatorFactory().getValidator());

    static List<ConfiguredOutput> bind(Map<String, Object> props) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", props));
        return binder.bind(env);
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of(
                        Map.of("peregrine.outputs.siem.url", "http://x"),
                        "peregrine.outputs.siem.type: must not be blank"),
                Arguments.of(
                        Map.of("peregrine.outputs.siem.type", "carrier-pigeon"),
                        "peregrine.outputs.siem.type: unknown output type 'carrier-pigeon'; known types: "),
                Arguments.of(
                        Map.of("peregrine.outputs.siem.type", "webhook"),
                        "peregrine.outputs.siem.url: must not be null"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.siem.type",
                                "webhook",
                                "peregrine.outputs.siem.url",
                                "http://x",
                                "peregrine.outputs.siem.urll",
                                "http://y"),
                        "peregrine.outputs.siem.urll: unknown key for a webhook output"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.siem.type",
                                "webhook",
                                "peregrine.outputs.siem.url",
                                "http://x",
                                "peregrine.outputs.siem.minimum-priority",
                                "loud"),
                        "peregrine.outputs.siem.minimum-priority: unknown priority 'loud'"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.siem.type",
                                "webhook",
                                "peregrine.outputs.siem.url",
                                "http://x",
                                "peregrine.outputs.siem.timeout",
                                "soon"),
                        "peregrine.outputs.siem.timeout: "),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.siem.type",
                                "webhook",
                                "peregrine.outputs.siem.url",
                                "http://x",
                                "peregrine.outputs.siem.method",
                                "GET"),
                        "peregrine.outputs.siem.method: must be POST or PUT"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.siem.type",
                                "webhook",
                                "peregrine.outputs.siem.url",
                                "http://x",
                                "peregrine.outputs.siem.retry.max-attempts",
                                "0"),
                        "peregrine.outputs.siem.retry.max-attempts: must be greater than or equal to 1"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.siem.type",
                                "webhook",
                                "peregrine.outputs.siem.url",
                                "http://x",
                                "peregrine.outputs.siem.tls.cert-file",
                                "/nonexistent/cert.pem"),
                        "peregrine.outputs.siem.tls: cert-file and key-file go together"),
                Arguments.of(
                        Map.of("peregrine.outputs.chat.type", "teams"),
                        "peregrine.outputs.chat.webhook-url: must not be null"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.chat.type",
                                "discord",
                                "peregrine.outputs.chat.webhook-url",
                                "http://x",
                                "peregrine.outputs.chat.avatar-url",
                                "http://y"),
                        "peregrine.outputs.chat.avatar-url: unknown key for a discord output"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.chat.type",
                                "mattermost",
                                "peregrine.outputs.chat.webhook-url",
                                "http://x",
                                "peregrine.outputs.chat.output-format",
                                "facts"),
                        "peregrine.outputs.chat.output-format: must be one of all, text, fields"),
                Arguments.of(
                        Map.of("peregrine.outputs.logs.type", "syslog"),
                        "peregrine.outputs.logs.host: must not be blank"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.logs.type",
                                "syslog",
                                "peregrine.outputs.logs.host",
                                "h",
                                "peregrine.outputs.logs.protocol",
                                "http"),
                        "peregrine.outputs.logs.protocol: must be udp, tcp or tls"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.logs.type",
                                "syslog",
                                "peregrine.outputs.logs.host",
                                "h",
                                "peregrine.outputs.logs.format",
                                "xml"),
                        "peregrine.outputs.logs.format: must be json or cef"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.logs.type",
                                "syslog",
                                "peregrine.outputs.logs.host",
                                "h",
                                "peregrine.outputs.logs.port",
                                "70000"),
                        "peregrine.outputs.logs.port: must be less than or equal to 65535"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.logs.type",
                                "syslog",
                                "peregrine.outputs.logs.host",
                                "h",
                                "peregrine.outputs.logs.protocol",
                                "tls",
                                "peregrine.outputs.logs.tls.ca-file",
                                "/nonexistent/ca.pem"),
                        "peregrine.outputs.logs.tls: cannot read /nonexistent/ca.pem"),
                Arguments.of(
                        Map.of("peregrine.outputs.es.type", "elasticsearch"),
                        "peregrine.outputs.es.url: must not be null"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.es.type",
                                "elasticsearch",
                                "peregrine.outputs.es.url",
                                "http://x",
                                "peregrine.outputs.es.suffix",
                                "weekly"),
                        "peregrine.outputs.es.suffix: must be daily, monthly, annually or none"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.es.type",
                                "elasticsearch",
                                "peregrine.outputs.es.url",
                                "http://x",
                                "peregrine.outputs.es.hostport",
                                "http://y"),
                        "peregrine.outputs.es.hostport: unknown key for a elasticsearch output"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.loki.type",
                                "loki",
                                "peregrine.outputs.loki.url",
                                "http://x",
                                "peregrine.outputs.loki.format",
                                "logfmt"),
                        "peregrine.outputs.loki.format: must be text or json"),
                Arguments.of(
                        Map.of("peregrine.outputs.pd.type", "pagerduty"),
                        "peregrine.outputs.pd.routing-key: must not be blank"),
                Arguments.of(
                        Map.of(
                                "peregrine.outputs.pd.type",
                                "pagerduty",
                                "peregrine.outputs.pd.routing-key",
                                "k",
                                "peregrine.outputs.pd.region",
                                "asia"),
                        "peregrine.outputs.pd.region: must be us or eu"),
                Arguments.of(
                        Map.of("peregrine.outputs.Siem_1.type", "webhook"),
                        "peregrine.outputs.Siem_1: output names are lower-case letters, digits and '-'"));
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
    void severalOutputsOfOneTypeCoexist() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.outputs.siem.type",
                "webhook",
                "peregrine.outputs.siem.url",
                "http://a.example/x",
                "peregrine.outputs.soar.type",
                "webhook",
                "peregrine.outputs.soar.url",
                "http://b.example/y",
                "peregrine.outputs.soar.headers.X-Api-Key",
                "k1"));
        assertThat(outputs).extracting(ConfiguredOutput::name).containsExactly("siem", "soar");
        WebhookConfig soar = (WebhookConfig) outputs.get(1).config();
        assertThat(soar.url().toString()).isEqualTo("http://b.example/y");
        assertThat(soar.headers()).containsEntry("X-Api-Key", "k1");
        assertThat(soar.method()).isEqualTo("POST");
    }

    @Test
    void startupStopsWithTheKeyAndReason(@TempDir Path dir) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir,
                        "--peregrine.outputs.siem.type=webhook"))
                // Checked before the context starts: the ConfigException itself, or the cause of a wrapper.
                .satisfies(e -> assertThat(NestedExceptionUtils.getMostSpecificCause(e))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining("peregrine.outputs.siem.url: must not be null"));
    }

    @Test
    void aTemplatedFieldThatDoesNotCompileStopsStartupNamingItsKey(@TempDir Path dir) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir,
                        "--peregrine.templatedfields.team={{ index . \"k8s.ns.labels.team\" }}"))
                .satisfies(e -> assertThat(NestedExceptionUtils.getMostSpecificCause(e))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining("peregrine.templatedfields.team: template error at line 1")
                        .hasMessageContaining("Falcosidekick Go template"));
    }

    @Test
    void kafkaModeWithoutBrokersStopsStartupNamingTheKey(@TempDir Path dir) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir,
                        "--peregrine.log.mode=kafka"))
                .hasRootCauseInstanceOf(ConfigException.class)
                .rootCause()
                .hasMessageContaining(
                        "peregrine.log.kafka.bootstrap-servers: required when peregrine.log.mode is kafka");
    }

    @Test
    void anUnknownLogModeStopsStartupNamingTheKey(@TempDir Path dir) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        assertThatThrownBy(() -> app.run(
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir,
                        "--peregrine.log.mode=kafak"))
                .hasStackTraceContaining("peregrine.log.mode")
                .hasStackTraceContaining("kafak");
    }
}
