package dev.peregrine.detector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The jar's commands, run in-process on real files. */
class CommandsTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String STABLE = "src/test/resources/rules/falco_rules.yaml";

    private record Run(int code, String out, String err) {}

    private static Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Commands.run(
                args,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void replayReproducesFalcosAlertsForTheStableRules() throws Exception {
        Run r = run(
                "",
                "replay",
                "--events",
                "src/test/resources/replay/stable_events.jsonl",
                "-r",
                STABLE,
                "--hostname",
                "ip-10-0-1-23.eu-west-1.compute.internal");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> expected = Files.readAllLines(Path.of("src/test/resources/replay/expected_alerts.jsonl"));
        List<String> actual = r.out().lines().toList();
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(MAPPER.readTree(actual.get(i))).isEqualTo(MAPPER.readTree(expected.get(i)));
            assertThat(actual.get(i)).isEqualTo(expected.get(i));
        }
    }

    @Test
    void replayUsesTheBundledRulesByDefault() {
        Run r = run("", "replay", "--events", "src/test/resources/replay/stable_events.jsonl", "--hostname", "h");
        assertThat(r.out().lines()).hasSize(2);
    }

    @Test
    void syscallsPrintsTheKernelFilterOfTheStableRules() {
        Run r = run("", "rules", "syscalls");
        assertThat(r.code()).as(r.err()).isZero();
        List<Integer> numbers =
                Arrays.stream(r.out().strip().split(",")).map(Integer::parseInt).toList();
        // table syscalls (openat 257, close 3, execve 59) and rule-only ones (symlinkat 266, ptrace 101)
        assertThat(numbers).contains(257, 3, 59, 266, 101).isSorted().doesNotHaveDuplicates();
        // read/write and mmap are never sent up
        assertThat(numbers).doesNotContain(0, 1, 9);
        assertThat(run("", "rules", "syscalls", STABLE).out()).isEqualTo(r.out());
    }

    @Test
    void validateJsonDescribesEveryRule() throws Exception {
        Run r = run("", "rules", "validate", "--json", STABLE);
        assertThat(r.code()).isZero();
        JsonNode doc = MAPPER.readTree(r.out());
        assertThat(doc.get("successful").asBoolean()).isTrue();
        assertThat(doc.get("errors").size()).isZero();
        assertThat(doc.get("rules").size()).isEqualTo(25);
        JsonNode first = doc.get("rules").get(0);
        for (String key : List.of("name", "enabled", "priority", "source", "tags", "output", "condition"))
            assertThat(first.has(key)).as(key).isTrue();
        assertThat(r.out())
                .contains(
                        "\"condition\":\"(evt.type in (execve, execveat) and container.id != host and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash) and proc.tty != 0");
    }

    @Test
    void validateFailsWithCodesFileLineAndItem(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad, "- rule: R\n  desc: d\n  condition: evt.type = open and\n  output: o\n  priority: INFO\n");
        Run r = run("", "rules", "validate", "--json", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        JsonNode e = MAPPER.readTree(r.out()).get("errors").get(0);
        assertThat(e.get("code").asString()).isEqualTo("LOAD_ERR_COMPILE_CONDITION");
        assertThat(e.get("message").asString()).isEqualTo("expected blank or '(' after 'and'");
        assertThat(e.get("file").asString()).isEqualTo(bad.toString());
        assertThat(e.get("line").asInt()).isEqualTo(3);
        assertThat(e.get("column").asInt()).isEqualTo(33);
        assertThat(e.get("item").asString()).isEqualTo("rule 'R'");
        assertThat(run("", "rules", "validate", bad.toString()).code()).isEqualTo(1);
        assertThat(run("", "rules", "validate", dir.resolve("missing.yaml").toString())
                        .code())
                .isEqualTo(1);
    }

    @Test
    void validateJsonAlsoGivesFalcosLoadResults(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(
                bad,
                "- rule: R\n  desc: d\n  condition: evt.type = open and\n  output: o\n  priority: INFO\n"
                        + "- list: l\n  items: [a]\n  colour: red\n");
        JsonNode doc = MAPPER.readTree(
                run("", "rules", "validate", "--json", bad.toString()).out());
        assertThat(doc.get("errors").get(0).get("codedesc").asString()).isEqualTo("Error compiling condition");
        JsonNode file = doc.get("falco_load_results").get(0);
        assertThat(file.get("name").asString()).isEqualTo(bad.toString());
        assertThat(file.get("successful").asBoolean()).isFalse();
        JsonNode e = file.get("errors").get(0);
        assertThat(e.get("code").asString()).isEqualTo("LOAD_ERR_COMPILE_CONDITION");
        assertThat(e.get("codedesc").asString()).isEqualTo("Error compiling condition");
        assertThat(e.get("message").asString()).isEqualTo("expected blank or '(' after 'and'");
        JsonNode where = e.get("context").get("locations").get(1);
        assertThat(where.get("item_type").asString()).isEqualTo("rule");
        assertThat(where.get("item_name").asString()).isEqualTo("R");
        // Falco reports yaml-cpp marks: 0-based line and column, byte offset.
        assertThat(where.get("position").get("line").asInt()).isEqualTo(2);
        assertThat(where.get("position").get("column").asInt()).isEqualTo(32);
        assertThat(where.get("position").get("offset").asInt()).isEqualTo(52);
        // The error is just past the line's end; Falco's snippet moves such a position back onto the line.
        assertThat(e.get("context").get("snippet").asString())
                .isEqualTo("  condition: evt.type = open and\n" + " ".repeat(31) + "^\n");
        JsonNode w = file.get("warnings").get(0);
        assertThat(w.get("code").asString()).isEqualTo("LOAD_UNKNOWN_KEY");
        assertThat(w.get("codedesc").asString())
                .startsWith("An item in the rules content contains an unrecognized key.");
    }

    @Test
    void validateShowsTheNewLanguageAndCaptureKeys(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                - rule: Shell fetching
                  desc: d
                  condition: >
                    evt.type = execve and proc.name = oneof (bash, sh)
                    and proc.cmdline contains allof (curl, "| sh")
                  output: o %proc.cmdline
                  priority: WARNING
                  capture: true
                  capture_duration: 5000
                """);
        Run r = run("", "rules", "validate", "--json", rules.toString());
        assertThat(r.code()).as(r.out()).isZero();
        JsonNode rule = MAPPER.readTree(r.out()).get("rules").get(0);
        assertThat(rule.get("condition").asString())
                .isEqualTo("(evt.type = execve and proc.name = oneof (bash, sh) and proc.cmdline contains allof "
                        + "(curl, \"| sh\"))");
        assertThat(rule.get("capture").asBoolean()).isTrue();
        assertThat(rule.get("capture_duration").asLong()).isEqualTo(5000);
    }

    @Test
    void validateReportsBytesThatAreNotUtf8WithTheirPosition(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("latin1.yaml");
        Files.write(bad, "- list: names\n  items: [caf\u00e9]\n".getBytes(StandardCharsets.ISO_8859_1));
        Run r = run("", "rules", "validate", "--json", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        JsonNode e = MAPPER.readTree(r.out()).get("errors").get(0);
        assertThat(e.get("code").asString()).isEqualTo("LOAD_ERR_YAML_PARSE");
        assertThat(e.get("message").asString())
                .isEqualTo("invalid UTF-8 byte 0xE9 at byte offset 27 (line 2, column 14): rules files must be UTF-8");
        assertThat(e.get("line").asInt()).isEqualTo(2);
        assertThat(e.get("column").asInt()).isEqualTo(14);
        assertThat(run("", "rules", "validate", bad.toString()).err()).doesNotContain("Could not open");
    }

    @Test
    void listShowsNamePriorityStateAndTags() {
        Run r = run("", "rules", "list", STABLE);
        assertThat(r.code()).isZero();
        assertThat(r.out().lines()).hasSize(25);
        assertThat(r.out())
                .contains(
                        "Terminal shell in container\tNotice\tenabled\tT1059,container,maturity_stable,mitre_execution,shell");
    }

    @Test
    void conditionParseJsonl() {
        Run r = run(
                "{\"condition\": \"proc.name=bash and (fd.num>0 or not fd.name exists)\"}\n{\"condition\": \"a and\"}\nnot json\n",
                "condition",
                "parse",
                "--jsonl");
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0))
                .isEqualTo(
                        "{\"valid\":true,\"error\":null,\"canonical\":\"(proc.name = bash and (fd.num > 0 or not fd.name exists))\"}");
        assertThat(lines.get(1))
                .startsWith("{\"valid\":false,\"error\":\"expected blank or '(' after 'and'\",\"canonical\":null");
        assertThat(lines.get(2)).startsWith("{\"valid\":false,\"error\":\"invalid input line");
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void conditionParseKnowsFalco044Syntax() {
        Run r = run(
                "{\"condition\": \"fd.name startswith\\nanyof\\t(/etc/, /root/)\"}\n"
                        + "{\"condition\": \"getopt(proc.args, \\\"nt:\\\")[t] = value\"}\n"
                        + "{\"condition\": \"proc.name = oneof(cat)\"}\n",
                "condition",
                "parse",
                "--jsonl");
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0))
                .isEqualTo(
                        "{\"valid\":true,\"error\":null,\"canonical\":\"fd.name startswith anyof (/etc/, /root/)\"}");
        assertThat(lines.get(1))
                .isEqualTo("{\"valid\":true,\"error\":null,\"canonical\":\"getopt(proc.args,nt:)[t] = value\"}");
        assertThat(lines.get(2))
                .startsWith("{\"valid\":false,\"error\":\"unexpected token after 'oneof', expecting 'or', 'and'\"");
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void unknownCommandPrintsUsage() {
        Run r = run("", "frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("usage:");
    }
}
