package dev.peregrine.detector.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Dispatches the detector's commands; returns the process exit code (0 ok, 1 failed check, 2 usage). */
public final class Commands {
    private Commands() {}

    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0) return usage(err);
        try {
            return switch (args[0]) {
                case "rules" -> RulesCommand.run(args, out, err);
                case "condition" ->
                    ConditionCommand.run(
                            args, new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out, err);
                case "replay" -> ReplayCommand.run(args, out, err);
                case "run", "capture" -> RunCommand.run(args, out, err);
                case "profiles" -> ProfilesCommand.run(args, out, err);
                default -> usage(err);
            };
        } catch (IOException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 1;
        } catch (UncheckedIOException e) {
            err.println(args[0] + ": " + e.getCause().getMessage());
            return 1;
        }
    }

    private static int usage(PrintStream err) {
        err.println("""
                usage: java -jar detector.jar <command> ...
                  rules validate [--json] FILE...     load rules files, report errors and warnings (exit 1 on error)
                  rules list FILE...                  rule names, priorities, enabled state and tags
                  rules syscalls [FILE...]            syscall numbers the live capture sends up for these rules
                  condition parse [--jsonl]           syntax-check conditions read from standard input
                  replay --events FILE [-r RULES]...  evaluate recorded events, print Falco JSON alerts
                  run [-r RULES]... [--metrics-port N] live capture (root): print alerts as Falco JSON lines
                      [--anomaly [--anomaly-learning 60s]]  ... and behaviour anomalies (docs/anomaly.md)
                  profiles list|show|reset|export|import  behaviour profiles on disk
                  capture --out FILE [--seconds N]    live capture: record events for replay""");
        return 2;
    }
}
