package dev.peregrine.detector.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Dispatches the detector's commands; returns the process exit code (0 ok, 1 failed check, 2 usage).
 * {@code --help}, {@code help [COMMAND]} and {@code COMMAND --help} print what {@link Help} describes.
 */
public final class Commands {
    private Commands() {}

    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            Help.overview(err);
            return 2;
        }
        List<String> words = Arrays.asList(args);
        switch (args[0]) {
            case "-h", "--help" -> {
                Help.overview(out);
                return 0;
            }
            case "help" -> {
                return help(words.subList(1, words.size()), out, err);
            }
            case "--version", "version" -> {
                String v = Commands.class.getPackage().getImplementationVersion();
                out.println("peregrine detector " + (v == null ? "(development build)" : v));
                return 0;
            }
            default -> {}
        }
        if (words.contains("--help") || words.contains("-h")) {
            return help(
                    words.stream()
                            .filter(w -> !w.equals("--help") && !w.equals("-h"))
                            .toList(),
                    out,
                    err);
        }
        try {
            return switch (args[0]) {
                case "rules" -> RulesCommand.run(args, out, err);
                case "condition" ->
                    ConditionCommand.run(
                            args, new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out, err);
                case "replay" -> ReplayCommand.run(args, out, err);
                case "run", "capture" -> RunCommand.run(args, out, err);
                case "profiles" -> ProfilesCommand.run(args, out, err);
                case "completion" -> completion(args, out, err);
                default -> usage(err, "unknown command '" + args[0] + "'");
            };
        } catch (IOException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 1;
        } catch (UncheckedIOException e) {
            err.println(args[0] + ": " + e.getCause().getMessage());
            return 1;
        }
    }

    /** {@code help [COMMAND]} and {@code COMMAND --help}: the command's help, or the overview. */
    private static int help(List<String> words, PrintStream out, PrintStream err) {
        if (words.isEmpty()) {
            Help.overview(out);
            return 0;
        }
        // The command is named by its first word, or its first two for a group (rules validate).
        Optional<Help.Command> command =
                Help.find(words.subList(0, Math.min(2, words.size()))).or(() -> Help.find(words.subList(0, 1)));
        if (command.isPresent()) {
            Help.command(command.get(), out);
            return 0;
        }
        if (!Help.below(words.getFirst()).isEmpty()) {
            Help.group(words.getFirst(), out);
            return 0;
        }
        return usage(err, "no command '" + words.getFirst() + "'");
    }

    /** {@code completion bash|zsh [--name COMMAND]}. */
    private static int completion(String[] args, PrintStream out, PrintStream err) {
        String shell = null;
        String name = Completion.DEFAULT_NAME;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--name")) {
                if (i + 1 == args.length) {
                    return usage(err, "completion: --name needs a value");
                }
                name = args[++i];
            } else if (shell == null) {
                shell = args[i];
            } else {
                return usage(err, "completion: unexpected '" + args[i] + "'");
            }
        }
        if (shell == null) {
            return usage(err, "completion: which shell? bash or zsh");
        }
        String script;
        try {
            script = Completion.script(shell, name);
        } catch (IllegalArgumentException e) {
            return usage(err, "completion: " + e.getMessage());
        }
        if (script == null) {
            return usage(err, "completion: no completion for '" + shell + "'; bash or zsh");
        }
        out.print(script);
        return 0;
    }

    private static int usage(PrintStream err, String problem) {
        err.println("detector: " + problem);
        err.println(
                "usage: " + Help.JAR + " COMMAND [FLAG]... [ARG]...   (" + Help.JAR + " --help lists the commands)");
        return 2;
    }
}
