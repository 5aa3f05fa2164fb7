package dev.peregrine.detector.cli;

import dev.peregrine.detector.rule.LoadMessage;
import dev.peregrine.detector.rule.RulesLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code falco_load_results} part of {@code rules validate --json}: Falco's own {@code -V
 * --json} shape, one entry per file with its errors and warnings, each with Falco's
 * {@code code}, {@code codedesc}, {@code message} and a {@code context} of locations (0-based line
 * and column and a byte offset, as Falco reports yaml-cpp marks) and a snippet of the line with a
 * caret. A tool that reads Falco's validation output reads this one.
 */
final class FalcoLoadResults {
    private static final int SNIPPET_WIDTH = 160;

    private FalcoLoadResults() {}

    static void add(ObjectNode root, RulesLoader.Loaded loaded, List<Path> files) {
        ArrayNode results = root.putArray("falco_load_results");
        for (Path file : files) {
            String name = file.toString();
            String content = read(file);
            List<LoadMessage> errors = inFile(loaded.result().errors(), name);
            List<LoadMessage> warnings = inFile(loaded.result().warnings(), name);
            ObjectNode r = results.addObject();
            r.put("name", name);
            r.put("successful", errors.isEmpty());
            messages(r.putArray("errors"), errors, content);
            messages(r.putArray("warnings"), warnings, content);
        }
    }

    private static List<LoadMessage> inFile(List<LoadMessage> messages, String file) {
        return messages.stream().filter(m -> m.context().file().equals(file)).toList();
    }

    private static String read(Path file) {
        try {
            // Lenient here: only for snippets; a file that is not UTF-8 was already reported.
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void messages(ArrayNode array, List<LoadMessage> messages, String content) {
        for (LoadMessage m : messages) {
            ObjectNode o = array.addObject();
            ObjectNode context = o.putObject("context");
            ArrayNode locations = context.putArray("locations");
            location(locations, "rules content", "", m.context().file(), 0, 0, 0);
            int line = m.context().line(), column = m.context().column();
            if (line > 0 && !m.context().itemType().isEmpty()) {
                location(
                        locations,
                        m.context().itemType(),
                        m.context().itemName(),
                        m.context().file(),
                        line - 1,
                        column - 1,
                        offset(content, line, column));
            } else if (line > 0) {
                location(
                        locations,
                        "value for",
                        "",
                        m.context().file(),
                        line - 1,
                        column - 1,
                        offset(content, line, column));
            }
            context.put(
                    "snippet", line > 0 ? snippet(content, offset(content, line, column)) : "<No context available>\n");
            o.put("code", m.code().name());
            o.put("codedesc", m.code().description());
            o.put("message", m.message());
        }
    }

    private static void location(
            ArrayNode locations, String type, String name, String file, int line, int column, long offset) {
        ObjectNode loc = locations.addObject();
        loc.put("item_type", type);
        loc.put("item_name", name);
        ObjectNode pos = loc.putObject("position");
        pos.put("name", file);
        pos.put("line", line);
        pos.put("column", column);
        pos.put("offset", offset);
    }

    /** The byte offset of a 1-based line and column (columns count characters). */
    static long offset(String content, int line, int column) {
        int i = 0, l = 1;
        while (l < line && i < content.length()) {
            if (content.charAt(i++) == '\n') l++;
        }
        int end = Math.min(content.length(), i + Math.max(0, column - 1));
        return content.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Falco's snippet: the line holding the position, at most 160 characters around it, and a caret under it. */
    static String snippet(String content, long byteOffset) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) return "<No context available>\n";
        int pos = (int) Math.min(byteOffset, bytes.length - 1);
        while (pos > 0 && (pos >= bytes.length || bytes[pos] == '\n')) pos--;
        int half = SNIPPET_WIDTH / 2;
        int from = pos;
        while (from > 0 && bytes[from] != '\n' && pos - from < half) from--;
        int to = pos;
        while (to < bytes.length - 1 && bytes[to] != '\n' && to - pos < half) to++;
        if (bytes[from] == '\n') from++;
        if (bytes[to] == '\n') to--;
        if (to < from) return "<No context available>\n";
        StringBuilder out = new StringBuilder(new String(bytes, from, to - from + 1, StandardCharsets.UTF_8));
        if (pos - from >= half) out.replace(0, 3, "...");
        if (to - pos >= half) out.replace(out.length() - 3, out.length(), "...");
        out.append('\n');
        if (pos - from <= out.length() - 1) out.append(" ".repeat(pos - from)).append("^\n");
        return out.toString();
    }
}
