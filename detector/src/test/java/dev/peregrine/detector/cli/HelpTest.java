package dev.peregrine.detector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.cli.Help.Command;
import dev.peregrine.detector.cli.Help.Flag;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --help} on every command, exit 0, every flag described and taken by its command. */
class HelpTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Commands.run(
                args,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommand() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"help"})) {
            Run r = run(args);
            assertThat(r.code()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).startsWith("Usage: java -jar detector.jar COMMAND");
            Help.COMMANDS.forEach(c -> assertThat(r.out()).contains("  " + c.path() + " "));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "run --help",
                "capture --help",
                "replay --help",
                "rules validate --help",
                "rules list -h",
                "rules syscalls --help",
                "condition parse --help",
                "completion --help",
                "profiles list --help",
                "profiles export --help",
                "help profiles import",
                "help run",
                "help rules validate",
                "run --sidekick s:1 --help",
            })
    void everyCommandHasHelpDescribingEachFlag(String line) {
        Run r = run(line.split(" "));
        assertThat(r.code()).as(r.err()).isZero();
        String path = line.startsWith("help ") ? line.substring(5) : line.replaceAll(" -.*", "");
        Command c = Help.find(List.of(path.split(" "))).orElseThrow();
        assertThat(r.out()).startsWith("Usage: java -jar detector.jar " + c.path());
        for (Flag f : c.flags()) {
            assertThat(r.out()).as(f.names().toString()).contains(String.join(", ", f.names()));
            assertThat(f.description()).isNotBlank();
            assertThat(r.out())
                    .contains(f.description().split(" ")[0] + " "
                            + f.description().split(" ")[1]);
        }
    }

    @Test
    void aGroupListsItsCommands() {
        Run r = run("rules", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("rules validate").contains("rules list").contains("rules syscalls");
    }

    @Test
    void noArgumentsIsAUsageErrorWithTheOverview() {
        Run r = run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Commands:");
    }

    /** The defaults the help states are the ones the settings have. */
    @Test
    void runsHelpStatesTheRealDefaults() throws Exception {
        var s = RunCommand.settings(new String[] {"run", "--sidekick", "s:1"}, Map.of());
        String help = run("run", "--help").out().replaceAll("\\s+", " "); // lines are wrapped
        assertThat(help)
                .contains("(default " + s.metricsPort() + ";")
                .contains("(default " + s.maxProcesses() + ")")
                .contains("(default " + s.sidekick().spoolDir() + ")")
                .contains("(default " + s.sidekick().spoolMaxBytes() + ",");
    }

    /** Each flag the help describes for run and capture is one they take. */
    @Test
    void runAndCaptureTakeEveryFlagDescribed() throws Exception {
        for (String command : List.of("run", "capture")) {
            for (Flag f : Help.find(List.of(command)).orElseThrow().flags()) {
                for (String name : f.names()) {
                    List<String> args = new ArrayList<>(List.of(command, "--out", "x.jsonl"));
                    args.add(name);
                    if (f.value() != null) {
                        args.add(
                                switch (f.value()) {
                                    case "N", "MS" -> "1";
                                    case "HOST:PORT" -> "s:1";
                                    case "DURATION" -> "60s";
                                    default -> "v";
                                });
                    }
                    if (name.equals("--sidekick-cert")) {
                        args.addAll(List.of("--sidekick-key", "k.pem"));
                    }
                    if (name.equals("--sidekick-key")) {
                        args.addAll(List.of("--sidekick-cert", "c.pem"));
                    }
                    RunCommand.settings(args.toArray(String[]::new), Map.of());
                }
            }
        }
    }

    /** Each flag the help describes for replay and the rules commands is one they take (not a usage error). */
    @Test
    void replayAndRulesTakeEveryFlagDescribed() {
        for (Flag f : Help.find(List.of("replay")).orElseThrow().flags()) {
            List<String> args = new ArrayList<>(List.of("replay", "--events", "/nonexistent/events.jsonl"));
            args.add(f.names().getLast());
            if (f.value() != null) {
                args.add(f.names().contains("--events") ? "/nonexistent/events.jsonl" : "v");
            }
            if (f.names().contains("-r")) {
                args.set(args.size() - 1, "src/test/resources/rules/falco_rules.yaml");
            }
            Run r = run(args.toArray(String[]::new));
            assertThat(r.code()).as(args + ": " + r.err()).isEqualTo(1);
        }
        assertThat(run("rules", "validate", "--json", "src/test/resources/rules/falco_rules.yaml")
                        .code())
                .isZero();
    }
}
