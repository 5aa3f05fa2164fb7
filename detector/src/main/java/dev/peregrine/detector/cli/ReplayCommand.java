package dev.peregrine.detector.cli;

import dev.peregrine.detector.alert.AlertFormat;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.rule.Ruleset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code replay --events FILE [-r RULES]... [--all-matches] [--iso-time] [--no-suggested-output] [--hostname NAME]}:
 * runs recorded events through the rules and prints each alert as a Falco JSON line. Without -r
 * the bundled stable rules are used.
 */
final class ReplayCommand {
    private ReplayCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Path events = null;
        List<Path> rules = new ArrayList<>();
        boolean all = false, iso = false, suffix = true;
        String hostname = null;
        for (int i = 1; i < args.length; i++) {
            if (List.of("--events", "-r", "--rules", "--hostname").contains(args[i]) && i + 1 == args.length) {
                err.println("replay: " + args[i] + " needs a value");
                return 2;
            }
            switch (args[i]) {
                case "--events" -> events = Path.of(args[++i]);
                case "-r", "--rules" -> rules.add(Path.of(args[++i]));
                case "--all-matches" -> all = true;
                case "--iso-time" -> iso = true;
                case "--no-suggested-output" -> suffix = false;
                case "--hostname" -> hostname = args[++i];
                default -> {
                    err.println(
                            "usage: replay --events FILE [-r RULES]... [--all-matches] [--iso-time] [--no-suggested-output] [--hostname NAME]");
                    return 2;
                }
            }
        }
        if (events == null) {
            err.println("replay: --events FILE is required");
            return 2;
        }
        RulesLoader loader = new RulesLoader();
        RulesLoader.Loaded loaded =
                rules.isEmpty() ? loader.load(List.of(RulesLoader.RulesSource.bundled())) : loader.loadFiles(rules);
        if (!loaded.result().successful()) {
            loaded.result().errors().forEach(err::println);
            return 1;
        }
        Ruleset ruleset = loaded.ruleset();
        AlertFormat alerts = new AlertFormat(
                hostname != null ? hostname : InetAddress.getLocalHost().getHostName(), iso, suffix);
        boolean allMatches = all;
        try (BufferedReader in = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
            EventJson.readLines(in, e -> {
                if (allMatches) {
                    for (CompiledRule r : ruleset.allMatches(e))
                        out.println(alerts.format(r, e).json());
                } else {
                    CompiledRule r = ruleset.firstMatch(e);
                    if (r != null) out.println(alerts.format(r, e).json());
                }
            });
        } catch (EventJson.EventFormatException | IllegalArgumentException e) {
            err.println("replay: " + events + ": " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
