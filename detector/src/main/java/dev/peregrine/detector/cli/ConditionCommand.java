package dev.peregrine.detector.cli;

import dev.peregrine.detector.condition.CanonicalPrinter;
import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.condition.ConditionSyntaxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code condition parse [--jsonl]}: a syntax-only lint. With --jsonl each input line is
 * {"condition": "..."} and each output line {"valid", "error", "canonical"}; without it each input
 * line is a bare condition and the answer is the canonical form or the error.
 */
final class ConditionCommand {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ConditionCommand() {}

    static int run(String[] args, BufferedReader in, PrintStream out, PrintStream err) throws IOException {
        if (args.length < 2 || !args[1].equals("parse")) {
            err.println("usage: condition parse [--jsonl]   (conditions on standard input, one per line)");
            return 2;
        }
        boolean jsonl = args.length > 2 && args[2].equals("--jsonl");
        boolean allValid = true;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            String condition = line;
            if (jsonl) {
                try {
                    JsonNode node = MAPPER.readTree(line);
                    JsonNode c = node.get("condition");
                    if (c == null || !c.isString())
                        throw new IllegalArgumentException("expected {\"condition\": \"...\"}");
                    condition = c.stringValue();
                } catch (JacksonException | IllegalArgumentException e) {
                    out.println(answer(
                            false,
                            "invalid input line: "
                                    + (e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage()),
                            null,
                            null));
                    allValid = false;
                    continue;
                }
            }
            try {
                String canonical = CanonicalPrinter.print(ConditionParser.parse(condition));
                out.println(jsonl ? answer(true, null, canonical, null) : canonical);
            } catch (ConditionSyntaxException e) {
                allValid = false;
                if (jsonl) {
                    out.println(answer(false, e.getMessage(), null, e));
                } else {
                    out.println("error at " + e.pos().line() + ":" + e.pos().col() + ": " + e.getMessage());
                }
            }
        }
        return allValid ? 0 : 1;
    }

    private static String answer(boolean valid, String error, String canonical, ConditionSyntaxException e) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("valid", valid);
        if (error == null) o.putNull("error");
        else o.put("error", error);
        if (canonical == null) o.putNull("canonical");
        else o.put("canonical", canonical);
        if (e != null) {
            ObjectNode pos = o.putObject("position");
            pos.put("index", e.pos().idx());
            pos.put("line", e.pos().line());
            pos.put("column", e.pos().col());
        }
        return MAPPER.writeValueAsString(o);
    }
}
