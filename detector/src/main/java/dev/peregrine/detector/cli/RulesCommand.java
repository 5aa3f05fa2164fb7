package dev.peregrine.detector.cli;

import dev.peregrine.detector.condition.CanonicalPrinter;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.LoadMessage;
import dev.peregrine.detector.rule.RulesLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code rules validate [--json] FILE...}, {@code rules list FILE...} and {@code rules syscalls [FILE...]}
 * (the syscall numbers the live capture sends up for these rules; default the bundled stable rules).
 */
final class RulesCommand {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private RulesCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2) return usage(err);
        boolean json = false;
        List<Path> files = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--json")) json = true;
            else files.add(Path.of(args[i]));
        }
        if (args[1].equals("syscalls")) {
            return syscalls(
                    files.isEmpty()
                            ? new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()))
                            : new RulesLoader().loadFiles(files),
                    out,
                    err);
        }
        if (files.isEmpty()) return usage(err);
        RulesLoader.Loaded loaded = new RulesLoader().loadFiles(files);
        return switch (args[1]) {
            case "validate" -> validate(loaded, files, json, out, err);
            case "list" -> list(loaded, out, err);
            default -> usage(err);
        };
    }

    private static int usage(PrintStream err) {
        err.println("usage: rules validate [--json] FILE...  |  rules list FILE...  |  rules syscalls [FILE...]");
        return 2;
    }

    /** The in-kernel filter `run` sets for these rules, as x86_64 syscall numbers, comma-separated. */
    private static int syscalls(RulesLoader.Loaded loaded, PrintStream out, PrintStream err) {
        if (!loaded.result().successful()) {
            loaded.result().errors().forEach(err::println);
            return 1;
        }
        out.println(String.join(
                ",",
                LiveDetection.syscallsFor(loaded.ruleset()).stream()
                        .map(String::valueOf)
                        .toList()));
        return 0;
    }

    private static int validate(
            RulesLoader.Loaded loaded, List<Path> files, boolean json, PrintStream out, PrintStream err) {
        boolean ok = loaded.result().successful();
        if (json) {
            ObjectNode doc = document(loaded);
            FalcoLoadResults.add(doc, loaded, files);
            out.println(MAPPER.writeValueAsString(doc));
        } else {
            loaded.result().errors().forEach(err::println);
            loaded.result().warnings().forEach(err::println);
            out.println(
                    ok
                            ? "Ok: " + loaded.rules().size() + " rules loaded"
                            : "Failed: " + loaded.result().errors().size() + " error(s)");
        }
        return ok ? 0 : 1;
    }

    static ObjectNode document(RulesLoader.Loaded loaded) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("successful", loaded.result().successful());
        messages(root.putArray("errors"), loaded.result().errors());
        messages(root.putArray("warnings"), loaded.result().warnings());
        ArrayNode rules = root.putArray("rules");
        for (CompiledRule r : loaded.rules()) {
            ObjectNode o = rules.addObject();
            o.put("name", r.name());
            o.put("enabled", r.enabled());
            o.put("priority", r.priority().display());
            o.put("source", r.source());
            new TreeSet<>(r.tags()).forEach(o.putArray("tags")::add);
            o.put("output", r.output());
            o.put("condition", CanonicalPrinter.print(r.condition()));
            o.put("capture", r.capture());
            o.put("capture_duration", r.captureDuration());
        }
        return root;
    }

    private static void messages(ArrayNode array, List<LoadMessage> messages) {
        for (LoadMessage m : messages) {
            ObjectNode o = array.addObject();
            o.put("code", m.code().name());
            o.put("codedesc", m.code().description());
            o.put("message", m.message());
            o.put("file", m.context().file());
            o.put("line", m.context().line());
            o.put("column", m.context().column());
            o.put("item", m.context().item());
        }
    }

    private static int list(RulesLoader.Loaded loaded, PrintStream out, PrintStream err) {
        if (!loaded.result().successful()) {
            loaded.result().errors().forEach(err::println);
            return 1;
        }
        for (CompiledRule r : loaded.rules()) {
            out.println(r.name() + "\t" + r.priority().display() + "\t" + (r.enabled() ? "enabled" : "disabled") + "\t"
                    + String.join(",", new TreeSet<>(r.tags())));
        }
        return 0;
    }
}
