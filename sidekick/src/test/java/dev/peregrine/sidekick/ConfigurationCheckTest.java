package dev.peregrine.sidekick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;

/** The whole configuration checked before anything starts, every problem at once. */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationCheckTest {

    /** A sidekick seeing {@code env} as its environment variables. */
    static SpringApplication sidekick(Map<String, Object> env) {
        SpringApplication app = new SpringApplication(Sidekick.class);
        app.setEnvironment(new StandardEnvironment() {
            @Override
            public Map<String, Object> getSystemEnvironment() {
                return env;
            }
        });
        return app;
    }

    static List<String> problems(Map<String, Object> env, String... args) {
        try {
            sidekick(env).run(args).close();
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("the sidekick started");
    }

    @Test
    void everyProblemAtOnceBeforeAnythingStarts(@TempDir Path dir, CapturedOutput output) throws IOException {
        Path yml = dir.resolve("application.yml");
        Files.writeString(yml, """
                peregrine:
                  outptus:
                    chat: {type: slack}
                  outputs:
                    a: {type: slack, webhook-url: "http://localhost:9/a", message-format: "{{ bad"}
                    b: {type: discord, webhook-url: "http://localhost:9/b", message-format: "{{ worse"}
                slack:
                  webhookurl: https://hooks.slack.com/services/T/B/X
                """);
        List<String> problems = problems(
                Map.of(
                        "GOTIFY_HOSTPORT",
                        "http://gotify:80",
                        "CLIQ_WEBHOOKURL",
                        "https://cliq.zoho.eu/x",
                        "PEREGRINE_SPOOL_MAX_BYTES",
                        "2GB"),
                "--spring.config.additional-location=" + yml,
                "--peregrine.spool.dir=" + dir.resolve("spool"),
                "--peregrine.spool.fsycn=false");
        assertThat(problems)
                .anySatisfy(p -> assertThat(p)
                        .startsWith("peregrine.outptus (" + yml.toAbsolutePath() + ":3)")
                        .endsWith("did you mean peregrine.outputs?"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("peregrine.spool.fsycn")
                        .endsWith("did you mean peregrine.spool.fsync?"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("slack.webhookurl (" + yml.toAbsolutePath() + ":8): Falcosidekick's format")
                        .contains("peregrine.outputs.slack.webhook-url"))
                .anySatisfy(p -> assertThat(p).startsWith("GOTIFY_HOSTPORT: Falcosidekick's gotify output"))
                .anySatisfy(p -> assertThat(p).startsWith("CLIQ_WEBHOOKURL: Falcosidekick's cliq output"))
                .anySatisfy(p -> assertThat(p).startsWith("peregrine.outputs.a.message-format: template error"))
                .anySatisfy(p -> assertThat(p).startsWith("peregrine.outputs.b.message-format: template error"))
                .noneSatisfy(p -> assertThat(p).contains("PEREGRINE_SPOOL_MAX_BYTES"));
        assertThat(problems).hasSize(7);
        // Nothing started: no web server, no spool.
        assertThat(output.getOut()).doesNotContain("Tomcat");
        assertThat(dir.resolve("spool")).doesNotExist();
        assertThat(output.getOut())
                .contains("configuration read from the embedded defaults (application.yml in the jar), then ")
                // (the tests' own application.properties comes between: it is on their class path)
                .contains("then " + yml.toAbsolutePath() + ", then the command line")
                .contains("environment variables PEREGRINE_SPOOL_MAX_BYTES");
    }

    @Test
    void aVariableUnderAKnownSectionMustBeAKey() {
        assertThat(problems(Map.of("PEREGRINE_SPOOL_MAXI_BYTES", "1GB", "PEREGRINE_TOKEN", "the detector's")))
                .containsExactly(
                        "PEREGRINE_SPOOL_MAXI_BYTES (environment variable, read as peregrine.spool.maxi-bytes):"
                                + " unknown setting, nothing reads it; did you mean PEREGRINE_SPOOL_MAXBYTES"
                                + " (peregrine.spool.max-bytes)?");
    }

    @Test
    void withWarnTheSidekickStartsAndSaysEachOnce(@TempDir Path dir, CapturedOutput output) {
        try (ConfigurableApplicationContext ctx = sidekick(Map.of("ZINCSEARCH_HOSTPORT", "http://zinc:4080"))
                .run(
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir,
                        "--peregrine.config.unknown=warn",
                        "--peregrine.outptus.x=1")) {
            assertThat(ctx.isRunning()).isTrue();
        }
        String log = output.getOut();
        assertThat(log.split("peregrine.outptus \\(", -1)).hasSize(2);
        assertThat(log.split("ZINCSEARCH_HOSTPORT: Falcosidekick's zincsearch output", -1))
                .hasSize(2);
    }

    /** The application.yml files the deployments ship (compose/, k8s/) pass the check and start a sidekick. */
    @ParameterizedTest
    @ValueSource(strings = {"../compose/sidekick.yml", "../k8s/base/sidekick/application.yml"})
    void theDeploymentsConfigurationsPassTheCheck(String file, @TempDir Path dir) {
        Path yml = Path.of(file).toAbsolutePath().normalize();
        assertThat(yml).exists();
        try (ConfigurableApplicationContext ctx = sidekick(Map.of())
                .run(
                        "--spring.config.additional-location=" + yml,
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--peregrine.spool.dir=" + dir)) {
            assertThat(ctx.isRunning()).isTrue();
            assertThat(ctx.getEnvironment().getProperty("peregrine.outputs.stdout.type"))
                    .isEqualTo("stdout");
        }
    }

    @Test
    void warnDoesNotExcuseValuesThatCannotWork(@TempDir Path dir) {
        assertThatThrownBy(() -> sidekick(Map.of())
                        .run(
                                "--peregrine.spool.dir=" + dir,
                                "--peregrine.config.unknown=warn",
                                "--peregrine.outputs.x.type=webhook"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.x.url: must not be null");
        assertThat(problems(Map.of(), "--peregrine.config.unknown=maybe"))
                .containsExactly("peregrine.config.unknown: must be fail or warn");
    }

    @Test
    void intakeBoundsThatCannotWorkStopStartup() {
        assertThat(problems(
                        Map.of(),
                        "--peregrine.intake.stream-window=0",
                        "--peregrine.intake.stream-buffer=1KB",
                        "--peregrine.intake.max-waiting-alerts=-1",
                        "--peregrine.intake.max-waiting-bytes=0",
                        "--peregrine.intake.grpc-max-connection-age=500ms",
                        "--peregrine.intake.grpc-max-connection-age-grace=0s"))
                .containsExactlyInAnyOrder(
                        "peregrine.intake.stream-window: must be greater than 0",
                        "peregrine.intake.max-waiting-alerts: must be greater than 0",
                        "peregrine.intake.max-waiting-bytes: must be greater than 0",
                        "peregrine.intake.stream-buffer: must be from 64KB to 2GB (HTTP/2's window), not 1024B",
                        "peregrine.intake.grpc-max-connection-age: must be at least 1s, or 0 for never, not PT0.5S",
                        "peregrine.intake.grpc-max-connection-age-grace: must be at least 1s (the time a detector"
                                + " has to get its alerts in flight acked), not PT0S");
    }

    @Test
    void storeQueueBoundsThatCannotWorkStopStartup() {
        assertThat(problems(Map.of(), "--peregrine.ui.store.queue=0", "--peregrine.ui.store.queue-bytes=0"))
                .containsExactlyInAnyOrder(
                        "peregrine.ui.store.queue: must be greater than or equal to 1",
                        "peregrine.ui.store.queue-bytes: must be greater than 0, not 0B");
    }
}
