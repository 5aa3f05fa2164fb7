package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's append or override that breaks a rule's condition is reported in the user's file. */
class RuleOverrideLocationTest {
    @TempDir
    Path dir;

    static final String BASE = """
            - rule: Shell in container
              desc: a shell
              condition: evt.type = execve and proc.name = bash
              output: shell %proc.name
              priority: WARNING
            """;

    LoadMessage onlyError(String user) throws Exception {
        Path base = Files.writeString(dir.resolve("falco_rules.yaml"), BASE);
        Path own = Files.writeString(dir.resolve("my_rules.yaml"), user);
        RulesLoader.Loaded loaded = new RulesLoader().loadFiles(List.of(base, own));
        assertThat(loaded.result().errors()).hasSize(1);
        return loaded.result().errors().getFirst();
    }

    @Test
    void aBrokenAppendedConditionIsAtTheUsersItem() throws Exception {
        LoadMessage e = onlyError("""
                # my additions
                - rule: Shell in container
                  condition: and proc.pname = (
                  override:
                    condition: append
                """);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.context().file()).endsWith("my_rules.yaml");
        assertThat(e.context().line()).isEqualTo(2);
        assertThat(e.context().item()).isEqualTo("rule 'Shell in container'");
    }

    @Test
    void aBrokenReplacedConditionIsAtTheUsersItem() throws Exception {
        LoadMessage e = onlyError("""
                - rule: Shell in container
                  condition: evt.type = execve and proc.name =
                  override:
                    condition: replace
                """);
        assertThat(e.context().file()).endsWith("my_rules.yaml");
        assertThat(e.context().line()).isEqualTo(1);
    }

    @Test
    void anUntouchedConditionStaysAtItsOwnFile() throws Exception {
        LoadMessage e = onlyError("""
                - rule: Shell in container
                  output: shell %not.a.field
                  override:
                    output: replace
                """);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_OUTPUT);
        assertThat(e.context().file()).endsWith("my_rules.yaml");
    }
}
