package dev.peregrine.detector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code completion bash}: the script, sourced by a real bash, completes commands, flags and files. */
class CompletionTest {
    @TempDir
    Path dir;

    static String script(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Commands.run(
                args,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What bash offers for the words typed so far (the last one being completed). */
    List<String> complete(String... words) throws IOException, InterruptedException {
        Path file = dir.resolve("completion.bash");
        Files.writeString(file, script("completion", "bash"));
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append('\'');
        }
        String cmd = "source " + file + "; COMP_WORDS=(peregrine-detector" + array + "); COMP_CWORD=" + words.length
                + "; _peregrine_detector; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "--norc", "-c", cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return Arrays.stream(out.split("\n")).filter(s -> !s.isEmpty()).sorted().toList();
    }

    @Test
    void completesCommandsSubcommandsFlagsAndFiles() throws Exception {
        Files.writeString(dir.resolve("my_rules.yaml"), "- list: l\n  items: []\n");
        assertThat(complete("ru")).containsExactly("rules", "run");
        assertThat(complete("rules", "")).containsExactly("--help", "list", "syscalls", "validate");
        assertThat(complete("run", "--sidekick-t")).containsExactly("--sidekick-token");
        assertThat(complete("run", "-r", "my_")).containsExactly("my_rules.yaml");
        assertThat(complete("rules", "validate", "--json", "my_")).containsExactly("my_rules.yaml");
        assertThat(complete("run", "--metrics-port", "")).isEmpty();
        assertThat(complete("completion", "")).containsExactly("bash", "zsh");
        assertThat(complete("replay", "--")).contains("--events", "--all-matches", "--help");
        assertThat(complete("run", "--anomaly-l")).containsExactly("--anomaly-learning");
        assertThat(complete("run", "--container-w")).containsExactly("--container-wait");
        assertThat(complete("pro")).containsExactly("profiles");
        assertThat(complete("profiles", "--dir", "d", ""))
                .containsExactly("--help", "export", "import", "list", "reset", "show");
        assertThat(complete("profiles", "--dir", "d", "export", "my_")).containsExactly("my_rules.yaml");
    }

    @Test
    void theScriptIsForTheNameGiven() {
        assertThat(script("completion", "bash", "--name", "detector"))
                .contains("complete -o filenames -F _detector detector");
        assertThat(script("completion", "zsh")).startsWith("autoload -U +X bashcompinit && bashcompinit\n");
    }
}
