package dev.peregrine.detector.rule;

import static dev.peregrine.detector.rule.RulesText.load;
import static dev.peregrine.detector.rule.RulesText.onlyError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.field.FieldCatalogue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader under hostile or extreme rules files: macros that double at every level, lists that
 * double, nesting past any sane depth, a 10 MB condition, bytes that are not UTF-8, control
 * characters, alias bombs. Each is either loaded in time linear in the file or refused with a
 * clear error at a line and column; none hangs (the slow ones are guarded by generous timeouts,
 * which are no performance assertions).
 */
class LoaderLimitsTest {
    private static String rule(String condition) {
        return "- rule: R\n  desc: d\n  condition: " + condition + "\n  output: o %proc.name\n  priority: INFO\n";
    }

    /** m0 is a check; each next macro uses the one before twice: m40 expands to 2^40 checks. */
    private static String doublingMacros(int levels) {
        StringBuilder sb = new StringBuilder("- macro: m0\n  condition: proc.name = cat\n");
        for (int i = 1; i <= levels; i++) {
            String op = i % 2 == 0 ? "and" : "or";
            sb.append("- macro: m")
                    .append(i)
                    .append("\n  condition: (m")
                    .append(i - 1)
                    .append(' ')
                    .append(op)
                    .append(" m")
                    .append(i - 1)
                    .append(")\n");
        }
        return sb.toString();
    }

    private static Event execve(String processName) {
        return Event.builder()
                .type("execve")
                .proc(ProcessInfo.builder().pid(1).name(processName).build())
                .build();
    }

    /** Items made from 0, 1, 2, ... joined by the separator, until the text is 10 MB long. */
    private static String tenMegabytesOf(String separator, IntFunction<String> item) {
        StringBuilder items = new StringBuilder();
        for (int i = 0; items.length() < 10_000_000; i++) {
            if (i > 0) items.append(separator);
            items.append(item.apply(i));
        }
        return items.toString();
    }

    @Test
    void fortyLevelsOfDoublingMacrosAreRefusedAtTheNodeBound() {
        String file = doublingMacros(40) + rule("evt.type = execve and m40");
        RulesLoader.Loaded l =
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file), "40 doubling macros must not hang");
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message())
                .isEqualTo("exceeded max expanded condition size of 1000000 nodes: the condition is too large "
                        + "after macro and list expansion");
        assertThat(e.context().item()).isEqualTo("rule 'R'");
        assertThat(e.context().line()).isEqualTo(85);
        assertThat(e.context().column()).isEqualTo(14);
    }

    /**
     * Why the 40-level file is answered at once, asserted on the structure rather than on a clock
     * (the time is in detector/docs/rules.md): each macro is expanded once and shared, so the
     * expanded condition has one node more per level while the tree it stands for doubles; the
     * loader measures that tree on the shared nodes and refuses it past its bound (above).
     */
    @Test
    void doublingMacrosExpandToOneNodePerLevel() {
        Event cat = execve("cat");
        Event dog = execve("dog");
        int base = -1;
        for (int levels : new int[] {0, 1, 10, 20, 40}) {
            Map<String, Expr> macros = new HashMap<>();
            macros.put("m0", ConditionParser.parse("proc.name = cat"));
            for (int i = 1; i <= levels; i++) {
                macros.put(
                        "m" + i,
                        ConditionParser.parse("(m" + (i - 1) + (i % 2 == 0 ? " and m" : " or m") + (i - 1) + ")"));
            }
            Expr expanded = new MacroResolver(macros).resolve(new Expr.Identifier("m" + levels));
            int distinct = distinctNodes(expanded);
            if (base < 0) base = distinct;
            assertThat(distinct).as("distinct nodes at %d levels", levels).isEqualTo(base + levels);
            // As a tree: 2^levels checks of 3 nodes and 2^levels - 1 junctions.
            long tree = 4 * (1L << levels) - 1;
            assertThat(ExpansionLimits.measure(expanded).nodes()).isEqualTo(tree);
            // The loader compiles only conditions within the node bound (hashing equal chains of
            // different rules walks the tree); within it, the shared chains answer each event once.
            if (tree <= 16 * ExpansionLimits.MAX_NODES) {
                EventPredicate p = new ConditionCompiler(FieldCatalogue.standard()).compile(expanded);
                assertThat(assertTimeoutPreemptively(Duration.ofSeconds(60), () -> p.test(cat)))
                        .isTrue();
                assertThat(p.test(dog)).isFalse();
            }
        }
    }

    private static int distinctNodes(Expr root) {
        Set<Expr> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Expr> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Expr e = todo.pop();
            if (!seen.add(e)) continue;
            switch (e) {
                case Expr.And a -> todo.addAll(a.children());
                case Expr.Or o -> todo.addAll(o.children());
                case Expr.Not n -> todo.add(n.child());
                case Expr.BinaryCheck b -> {
                    todo.add(b.left());
                    todo.add(b.right());
                }
                default -> {}
            }
        }
        return seen.size();
    }

    @Test
    void doublingMacrosWithinTheBoundLoadAndShareTheirCompiledChecks() {
        // m14 is 16,384 checks once expanded: within the bound, and every copy is the same subtree.
        String file = doublingMacros(40) + rule("evt.type = execve and m14");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        assertThat(l.result().errors()).isEmpty();
        CompiledRule r = l.rules().getFirst();
        assertThat(ExpansionLimits.measure(r.condition()).nodes()).isGreaterThan(16_384 * 3);
        Event cat = execve("cat");
        Event dog = execve("dog");
        assertThat(r.predicate().test(cat)).isTrue();
        assertThat(r.predicate().test(dog)).isFalse();
        assertThat(r.predicateFor("execve").test(cat)).isTrue();
    }

    @Test
    void unusedDoublingMacrosCostNothing() {
        String file = doublingMacros(200) + rule("evt.type = execve and m0");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        assertThat(l.result().errors()).isEmpty();
    }

    @Test
    void macrosNestedPastTheDepthLimitAreRefused() {
        StringBuilder sb = new StringBuilder("- macro: m0\n  condition: proc.name = cat\n");
        for (int i = 1; i <= 1200; i++) {
            sb.append("- macro: m")
                    .append(i)
                    .append("\n  condition: not m")
                    .append(i - 1)
                    .append('\n');
        }
        String file = sb + rule("evt.type = execve and m1200");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message()).isEqualTo("exceeded max depth limit of 1000 after macro expansion");
        assertThat(e.context().line()).isGreaterThan(0);
    }

    @Test
    void listsThatDoubleAreRefusedAtTheTextBound() {
        // Defined newest first, so Falco's textual substitution turns l40 into 2^40 copies of l0's item.
        StringBuilder sb = new StringBuilder();
        for (int i = 40; i >= 1; i--) {
            sb.append("- list: l")
                    .append(i)
                    .append("\n  items: [l")
                    .append(i - 1)
                    .append(", l")
                    .append(i - 1)
                    .append("]\n");
        }
        sb.append("- list: l0\n  items: [cat]\n");
        String file = sb + rule("evt.type = execve and proc.name in (l40)");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message())
                .isEqualTo("exceeded max expanded condition size of 16777216 characters: the condition is too "
                        + "large after list expansion");
        assertThat(e.context().line()).isEqualTo(85);
    }

    @Test
    void aTenMegabyteConditionLoads() {
        // About 250,000 paths in one list: 10 MB on one line.
        String items = tenMegabytesOf(", ", i -> "/var/lib/some/rather/long/application/path/file-" + i);
        String file = rule("evt.type = openat and fd.name in (" + items + ") and proc.name = cat");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        assertThat(l.result().errors()).isEmpty();
        Event hit = Event.builder()
                .type("openat")
                .proc(ProcessInfo.builder().pid(1).name("cat").build())
                .fd(dev.peregrine.detector.event.FdInfo.builder()
                        .num(3)
                        .type("file")
                        .name("/var/lib/some/rather/long/application/path/file-123456")
                        .build())
                .build();
        assertThat(l.ruleset().firstMatch(hit)).isNotNull();
    }

    @Test
    void aTenMegabyteConditionPastTheNodeBoundIsRefused() {
        String items = tenMegabytesOf(", ", i -> Integer.toString(i, 36));
        String file = rule("evt.type = openat and proc.name in (" + items + ")");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message()).startsWith("exceeded max expanded condition size of 1000000 nodes");
        assertThat(e.context().line()).isEqualTo(3);
        assertThat(e.context().column()).isEqualTo(14);
    }

    @Test
    void aTenMegabyteWordIsRefusedBeforeParsing() {
        // No blank in 10 MB: SnakeYAML would take minutes over it.
        String items = tenMegabytesOf(",", i -> Integer.toString(i, 36));
        String file = rule("evt.type = openat and proc.name in (" + items + ")");
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(file));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(e.message())
                .isEqualTo("exceeded max token length of 262144 characters: " + (items.length() + 2)
                        + " characters without a blank or line break");
        assertThat(e.context().line()).isEqualTo(3);
        assertThat(e.context().column()).isEqualTo(49);
    }

    @Test
    void bytesThatAreNotUtf8AreAParseErrorAtTheirPosition(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.yaml");
        byte[] head = rule("evt.type = open and proc.name = caf").getBytes(StandardCharsets.UTF_8);
        // "é" written in Latin-1 (0xE9) on line 3, after "  condition: evt.type = open and proc.name = caf".
        byte[] content = new byte[head.length];
        System.arraycopy(head, 0, content, 0, head.length);
        int at = new String(head, StandardCharsets.UTF_8).indexOf("caf") + 3;
        byte[] withBad = new byte[content.length + 1];
        System.arraycopy(content, 0, withBad, 0, at);
        withBad[at] = (byte) 0xE9;
        System.arraycopy(content, at, withBad, at + 1, content.length - at);
        Files.write(bad, withBad);
        RulesLoader.Loaded l = new RulesLoader().loadFiles(List.of(bad));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(e.message())
                .isEqualTo("invalid UTF-8 byte 0xE9 at byte offset " + at
                        + " (line 3, column 49): rules files must be UTF-8");
        assertThat(e.context().file()).isEqualTo(bad.toString());
        assertThat(e.context().line()).isEqualTo(3);
        assertThat(e.context().column()).isEqualTo(49);
        // Multi-byte characters before it count as one column each; a truncated sequence at the end is caught.
        Files.write(bad, new byte[] {'#', ' ', (byte) 0xC3, (byte) 0xA9, '\n', '#', (byte) 0xE2, (byte) 0x82});
        var truncated =
                new RulesLoader().loadFiles(List.of(bad)).result().errors().getFirst();
        assertThat(truncated.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(truncated.context().line()).isEqualTo(2);
        assertThat(truncated.context().column()).isEqualTo(2);
    }

    @Test
    void lineBreaksOfYaml11AreOrdinaryCharactersAsInFalco() {
        // U+0085, U+2028 and U+2029 end lines in YAML 1.1 (SnakeYAML), not in YAML 1.2 (Falco's
        // yaml-cpp) nor in an editor: a comment goes on past them, a value keeps them, and the
        // lines after them keep their numbers. A private-use character already in the file stays.
        String desc = "one\u2028two\u2029three\u0085four \uE000";
        String file =
                "# a comment\u0085- that: goes on\n" + rule("evt.type = open").replace("desc: d", "desc: " + desc);
        RulesLoader.Loaded l = load(file);
        assertThat(l.result().errors()).isEmpty();
        assertThat(l.rules().getFirst().description()).isEqualTo(desc);

        RulesLoader.Loaded macro = load(file + "- macro: m\n  condition: proc.name = (cat\n");
        LoadMessage macroError = onlyError(macro);
        assertThat(macroError.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(macroError.context().line()).isEqualTo(8);
        RulesLoader.Loaded yaml = load(file + "- list: x\n  items: [a, , b]\n");
        LoadMessage yamlError = onlyError(yaml);
        assertThat(yamlError.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(yamlError.context().line()).isEqualTo(8);
        assertThat(yamlError.context().column()).isEqualTo(14);
    }

    @Test
    void controlCharactersAreRefusedWhereTheyAre() {
        RulesLoader.Loaded l = load(rule("evt.type = open") + "- list: x\n  items: [a\u0001b]\n");
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(e.message()).isEqualTo("unacceptable code point U+0001: special characters are not allowed");
        assertThat(e.context().line()).isEqualTo(7);
        assertThat(e.context().column()).isEqualTo(12);
    }

    @Test
    void aliasBombsAreRefusedAtTheAliasPastTheBound() {
        StringBuilder sb = new StringBuilder("- list: l0\n  items: &a0 [x, x]\n");
        for (int i = 1; i <= 20; i++) {
            sb.append("- list: l")
                    .append(i)
                    .append("\n  items: &a")
                    .append(i)
                    .append(" [*a")
                    .append(i - 1)
                    .append(", *a")
                    .append(i - 1)
                    .append(", *a")
                    .append(i - 1)
                    .append("]\n");
        }
        RulesLoader.Loaded l = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> load(sb.toString()));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(e.message()).isEqualTo("Number of aliases for non-scalar nodes exceeds the specified max=50");
        // The 51st alias: the third of list l17 (three per list from l1).
        assertThat(e.context().line()).isEqualTo(36);
        assertThat(e.context().column()).isEqualTo(28);
    }

    @Test
    void nestingPastTheBoundIsRefusedWhereItGoesTooDeep() {
        String file = rule("evt.type = open") + "- list: x\n  items: " + "[".repeat(60) + "]".repeat(60) + "\n";
        RulesLoader.Loaded l = load(file);
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(e.message()).isEqualTo("Nesting Depth exceeded max 50");
        assertThat(e.context().line()).isEqualTo(7);
        // The 51st collection: the outer sequence, the item's mapping, then 49 brackets.
        assertThat(e.context().column()).isEqualTo(58);
    }

    @Test
    void aConditionNestedPastTheParserLimitIsRefusedWithLibsinspsMessage() {
        String deep = "(".repeat(400) + "proc.name = cat" + ")".repeat(400);
        RulesLoader.Loaded l = load(rule(deep));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message()).isEqualTo("exceeded max depth limit of 1000");
        assertThat(e.context().line()).isEqualTo(3);
        assertThat(ConditionParser.parse("(".repeat(100) + "a" + ")".repeat(100), 1000))
                .isNotNull();
    }
}
