package dev.peregrine.sidekick;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidekickCommandsTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    Integer run(String... args) {
        return SidekickCommands.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsHelpAndDoesNotStartTheServer() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .startsWith("Usage: java -jar sidekick.jar")
                .contains("migrate FILE")
                .contains("--out FILE")
                .contains("--peregrine.config.unknown=warn");
        assertThat(run("-h")).isZero();
        assertThat(run("migrate", "--help")).isZero();
    }

    @Test
    void settingsOrNothingStartTheServer() {
        assertThat(run()).isNull();
        assertThat(run("--server.port=0")).isNull();
    }

    @Test
    void migrateWritesTheFileAndSaysWhatDidNotCarryOver(@TempDir Path dir) throws IOException {
        Path in = Files.writeString(dir.resolve("config.yaml"), """
                slack:
                  webhookurl: https://hooks.slack.com/services/T/B/X
                gotify:
                  hostport: http://gotify:80
                """);
        Path target = dir.resolve("application.yml");
        assertThat(run("migrate", "--out", target.toString(), in.toString())).isEqualTo(1);
        assertThat(Files.readString(target)).contains("webhook-url: https://hooks.slack.com/services/T/B/X");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("1 setting(s) not carried over")
                .contains("Falcosidekick's gotify output, which Peregrine does not have");

        Files.writeString(in, "slack:\n  webhookurl: https://hooks.slack.com/services/T/B/X\n");
        assertThat(run("migrate", in.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("type: slack");
    }

    @Test
    void migrateUsageErrors(@TempDir Path dir) {
        assertThat(run("migrate")).isEqualTo(2);
        assertThat(run("migrate", "--bogus")).isEqualTo(2);
        assertThat(run("migrate", dir.resolve("missing.yaml").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read");
    }
}
