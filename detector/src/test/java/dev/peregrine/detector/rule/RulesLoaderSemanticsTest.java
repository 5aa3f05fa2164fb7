package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.condition.CanonicalPrinter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lists, macros, append/override, exceptions and load errors, each checked on small rules files. */
class RulesLoaderSemanticsTest {
    private static final String HEADER = "- required_engine_version: 0.57.0\n";

    private static RulesLoader.Loaded load(String... files) {
        List<RulesLoader.RulesSource> sources = new ArrayList<>();
        for (int i = 0; i < files.length; i++)
            sources.add(new RulesLoader.RulesSource("f" + (i + 1) + ".yaml", files[i]));
        return new RulesLoader().load(sources);
    }

    private static String condition(RulesLoader.Loaded l, String rule) {
        return l.rules().stream()
                .filter(r -> r.name().equals(rule))
                .map(r -> CanonicalPrinter.print(r.condition()))
                .findFirst()
                .orElseThrow();
    }

    private static String rule(String name, String condition) {
        return "- rule: " + name + "\n  desc: d\n  condition: " + condition
                + "\n  output: o %proc.name\n  priority: WARNING\n";
    }

    @Test
    void listsExpandIncludingListsInsideLists() {
        var l = load(HEADER + """
                - list: a
                  items: [x, "y z"]
                - list: b
                  items: [a, w]
                """ + rule("R", "evt.type = open and proc.name in (b)"));
        assertThat(l.result().errors()).isEmpty();
        assertThat(condition(l, "R")).isEqualTo("(evt.type = open and proc.name in (x, \"y z\", w))");
        assertThat(l.result().warnings()).isEmpty();
    }

    @Test
    void macrosExpandIncludingMacrosInsideMacros() {
        var l = load(HEADER + """
                - macro: m1
                  condition: evt.type = open
                - macro: m2
                  condition: m1 and fd.num >= 0
                """ + rule("R", "m2 or proc.name = x"));
        assertThat(condition(l, "R")).isEqualTo("((evt.type = open and fd.num >= 0) or proc.name = x)");
    }

    @Test
    void aMacroCannotSeeAMacroDefinedAfterIt() {
        var l = load(HEADER + """
                - macro: m1
                  condition: m2
                - macro: m2
                  condition: evt.type = open
                """ + rule("R", "m1"));
        assertThat(l.result().successful()).isFalse();
        assertThat(l.result().errors().getFirst().code()).isEqualTo(LoadCode.LOAD_ERR_VALIDATE);
        assertThat(l.result().errors().getFirst().message()).isEqualTo("Undefined macro 'm2' used in filter.");
        assertThat(l.result().errors().getFirst().context().item()).isEqualTo("macro 'm1'");
    }

    @Test
    void unusedMacrosAndListsAreWarnings() {
        var l = load(HEADER + """
                - list: unused_list
                  items: [a]
                - macro: unused_macro
                  condition: evt.type = open
                """ + rule("R", "evt.type = open"));
        assertThat(l.result().successful()).isTrue();
        assertThat(l.result().warnings())
                .extracting(LoadMessage::code)
                .containsExactlyInAnyOrder(LoadCode.LOAD_UNUSED_MACRO, LoadCode.LOAD_UNUSED_LIST);
        LoadMessage w = l.result().warnings().stream()
                .filter(m -> m.code() == LoadCode.LOAD_UNUSED_MACRO)
                .findFirst()
                .orElseThrow();
        assertThat(w.message()).isEqualTo("Macro not referred to by any other rule/macro");
        assertThat(w.context().line()).isEqualTo(4);
        assertThat(w.context().column()).isEqualTo(3);
    }

    @Test
    void laterFilesAppendAndOverride() {
        String base = HEADER + """
                - list: names
                  items: [a]
                - macro: m
                  condition: evt.type = open
                """ + rule("R", "m and proc.name in (names)") + "  tags: [t1]\n";
        String amend = """
                - list: names
                  items: [b]
                  override:
                    items: append
                - macro: m
                  condition: or evt.type = openat
                  override:
                    condition: append
                - rule: R
                  condition: and fd.num >= 0
                  tags: [t2]
                  override:
                    condition: append
                    tags: append
                - rule: R
                  priority: critical
                  enabled: false
                  override:
                    priority: replace
                    enabled: replace
                """;
        var l = load(base, amend);
        assertThat(l.result().errors()).isEmpty();
        CompiledRule r = l.rules().getFirst();
        assertThat(CanonicalPrinter.print(r.condition()))
                .isEqualTo("((evt.type = open or evt.type = openat) and proc.name in (a, b) and fd.num >= 0)");
        assertThat(r.tags()).containsExactly("t1", "t2");
        assertThat(r.priority()).isEqualTo(Priority.CRITICAL);
        assertThat(r.enabled()).isFalse();
        assertThat(l.ruleset().rules()).isEmpty();
    }

    @Test
    void legacyAppendAndStandaloneEnabledWarnAsDeprecated() {
        var l = load(HEADER + rule("R", "evt.type = open") + """
                - rule: R
                  condition: and fd.num >= 0
                  append: true
                - rule: R
                  enabled: false
                """);
        assertThat(l.result().errors()).isEmpty();
        assertThat(condition(l, "R")).isEqualTo("(evt.type = open and fd.num >= 0)");
        assertThat(l.result().warnings())
                .extracting(LoadMessage::code)
                .containsExactly(LoadCode.LOAD_DEPRECATED_ITEM, LoadCode.LOAD_DEPRECATED_ITEM);
        assertThat(l.rules().getFirst().enabled()).isFalse();
    }

    @Test
    void overridingSomethingUndefinedIsAnError() {
        var l = load(HEADER + """
                - rule: Missing
                  condition: and x
                  override:
                    condition: append
                """);
        assertThat(l.result().errors()).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_VALIDATE);
            assertThat(e.message())
                    .isEqualTo(
                            "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists");
            assertThat(e.context().item()).isEqualTo("rule 'Missing'");
        });
        var m = load(HEADER + "- macro: m\n  condition: x\n  override:\n    condition: append\n");
        assertThat(m.result().errors().getFirst().message())
                .isEqualTo(
                        "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists");
    }

    @Test
    void overrideKeyRulesAreChecked() {
        var l = load(HEADER + rule("R", "evt.type = open") + """
                - rule: R
                  priority: debug
                  override:
                    priority: append
                """);
        assertThat(l.result().errors().getFirst().message())
                .isEqualTo("Key 'priority' cannot be appended to, use 'replace' instead");
        assertThat(l.result().errors().getFirst().code()).isEqualTo(LoadCode.LOAD_ERR_YAML_VALIDATE);
        var both = load(HEADER + rule("R", "evt.type = open") + """
                - rule: R
                  condition: and x
                  append: true
                  override:
                    condition: append
                """);
        assertThat(both.result().errors().getFirst().message())
                .startsWith("Keys 'override' and 'append: true' cannot be used together.");
        // Found by RulesFileFuzzTest: a key or an operation that is not a scalar threw.
        for (String override : List.of("? priority: replace", "priority: [replace]")) {
            var notScalar = load(HEADER + rule("R", "evt.type = open")
                    + "- rule: R\n  priority: debug\n  override:\n    " + override + "\n");
            assertThat(notScalar.result().errors()).singleElement().satisfies(e -> {
                assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_VALIDATE);
                assertThat(e.message()).isEqualTo("Value is not a scalar value");
                assertThat(e.context().line()).isGreaterThan(1);
            });
        }
    }

    @Test
    void exceptionsFoldIntoTheConditionLikeFalco() {
        var l = load(HEADER + rule("R", "evt.type = open") + """
                  exceptions:
                    - name: single
                      fields: proc.name
                      values: [a, "b c"]
                    - name: tuple
                      fields: [proc.name, fd.name]
                      comps: [=, startswith]
                      values:
                        - [x, /tmp]
                        - [y, /var/log]
                    - name: listop
                      fields: [proc.name, fd.directory]
                      comps: [in, pmatch]
                      values:
                        - [[p, q], [/etc, /usr]]
                    - name: empty
                      fields: proc.name
                """);
        assertThat(l.result().errors()).isEmpty();
        assertThat(condition(l, "R"))
                .isEqualTo("(evt.type = open and not proc.name in (a, \"b c\")"
                        + " and not ((proc.name = x and fd.name startswith /tmp) or (proc.name = y and fd.name startswith /var/log))"
                        + " and not (proc.name in (p, q) and fd.directory pmatch (/etc, /usr)))");
    }

    @Test
    void exceptionValuesCanBeAppendedByName() {
        var l = load(HEADER + rule("R", "evt.type = open") + """
                  exceptions:
                    - name: e
                      fields: [proc.name]
                      values: [[a]]
                """, """
                - rule: R
                  exceptions:
                    - name: e
                      values: [[b]]
                  override:
                    exceptions: append
                """);
        assertThat(l.result().errors()).isEmpty();
        assertThat(condition(l, "R")).isEqualTo("(evt.type = open and not (proc.name = a or proc.name = b))");
    }

    @Test
    void exceptionErrors() {
        var l = load(HEADER + rule("R", "evt.type = open") + """
                  exceptions:
                    - name: e
                      fields: [proc.name, fd.name]
                      comps: [=]
                      values: []
                """);
        assertThat(l.result().errors().getFirst().message()).isEqualTo("Fields and comps lists must have equal length");
        var f = load(HEADER + rule("R", "evt.type = open") + """
                  exceptions:
                    - name: e
                      fields: [proc.nope]
                      values: []
                """);
        assertThat(f.result().errors().getFirst().message()).isEqualTo("'proc.nope' is not a supported filter field");
        var c = load(HEADER + rule("R", "evt.type = open") + """
                  exceptions:
                    - name: e
                      fields: proc.name
                      comps: =
                      values: []
                """);
        assertThat(c.result().errors().getFirst().message())
                .isEqualTo("When fields is a single value, comps must be one of (in, pmatch, intersects)"
                        + " or a modifier operator (e.g. startswith oneof)");
    }

    @Test
    void conditionSyntaxErrorsPointIntoTheFile() {
        var l = load(HEADER + rule("R", "evt.type = open and"));
        LoadMessage e = l.result().errors().getFirst();
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message()).isEqualTo("expected blank or '(' after 'and'");
        assertThat(e.context().file()).isEqualTo("f1.yaml");
        assertThat(e.context().line()).isEqualTo(4);
        assertThat(e.context().column()).isEqualTo(33);
        assertThat(e.context().item()).isEqualTo("rule 'R'");
    }

    @Test
    void syntaxErrorsBeforeASubstitutedListKeepTheirColumn() {
        String list = "- list: shells\n  items: [bash, sh]\n";
        // The error comes before the list's name: the written text is unchanged up to it.
        var before = load(HEADER + list + rule("R", "evt.type = open and and proc.name in (shells)"));
        assertThat(before.result().errors().getFirst().message())
                .isEqualTo("unexpected token after 'and', expecting 'or', 'and'");
        assertThat(before.result().errors().getFirst().context().line()).isEqualTo(6);
        assertThat(before.result().errors().getFirst().context().column()).isEqualTo(38);
        // After it, the expanded text no longer matches the file: the error points at the condition's start.
        var after = load(HEADER + list + rule("R", "evt.type = open and proc.name in (shells) and"));
        assertThat(after.result().errors().getFirst().message()).isEqualTo("expected blank or '(' after 'and'");
        assertThat(after.result().errors().getFirst().context().column()).isEqualTo(14);
    }

    @Test
    void unknownFieldIsAnErrorUnlessSkipIfUnknownFilter() {
        var l = load(HEADER + rule("R", "proc.nope = x"));
        assertThat(l.result().errors().getFirst().code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(l.result().errors().getFirst().message())
                .isEqualTo("filter_check called with nonexistent field proc.nope");
        var skip = load(HEADER + rule("R", "proc.nope = x") + "  skip-if-unknown-filter: true\n");
        assertThat(skip.result().successful()).isTrue();
        assertThat(skip.rules()).isEmpty();
        assertThat(skip.result().warnings())
                .extracting(LoadMessage::code)
                .containsExactly(LoadCode.LOAD_UNKNOWN_FILTER);
    }

    @Test
    void unknownEventTypeIsAnErrorUnlessSkipIfUnknownFilter() {
        var l = load(HEADER + rule("R", "evt.type in (open, opne) and proc.name = x"));
        assertThat(l.result().errors()).hasSize(1);
        LoadMessage e = l.result().errors().getFirst();
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(e.message()).isEqualTo("unknown event type opne");
        assertThat(e.context().item()).isEqualTo("rule 'R'");
        // Every operator's operand is checked, as libsinsp does, and macros only when a rule uses them.
        assertThat(load(HEADER + rule("R", "evt.type startswith nosuch"))
                        .result()
                        .errors()
                        .getFirst()
                        .message())
                .isEqualTo("unknown event type nosuch");
        var unusedMacro = load(HEADER + "- macro: m\n  condition: evt.type = nosuch\n" + rule("R", "evt.type = open"));
        assertThat(unusedMacro.result().successful()).isTrue();
        var usedMacro = load(HEADER + "- macro: m\n  condition: evt.type = nosuch\n" + rule("R", "m"));
        assertThat(usedMacro.result().errors().getFirst().message()).isEqualTo("unknown event type nosuch");

        var skip = load(HEADER + rule("R", "evt.type = opne") + "  skip-if-unknown-filter: true\n");
        assertThat(skip.result().successful()).isTrue();
        assertThat(skip.rules()).isEmpty();
        assertThat(skip.result().warnings())
                .extracting(LoadMessage::code)
                .containsExactly(LoadCode.LOAD_UNKNOWN_FILTER);
        assertThat(skip.result().warnings().getFirst().message()).isEqualTo("unknown event type opne");
    }

    @Test
    void eventTypesBeyondSyscallNamesAreKnown() {
        for (String type : List.of(
                "execve",
                "openat2",
                "procexit",
                "container",
                "switch",
                "signaldeliver",
                "pluginevent",
                "asyncevent",
                "pread",
                "prlimit",
                "sched_process_exit",
                "page_fault_user")) {
            assertThat(load(HEADER + rule("R", "evt.type = " + type)).result().errors())
                    .as(type)
                    .isEmpty();
        }
    }

    @Test
    void unknownOutputFieldIsAnOutputError() {
        var l = load(HEADER
                + "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: x %proc.nope\n  priority: INFO\n");
        assertThat(l.result().errors().getFirst().code()).isEqualTo(LoadCode.LOAD_ERR_COMPILE_OUTPUT);
    }

    @Test
    void structuralErrorsAndPriorities() {
        assertThat(load(HEADER + "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n")
                        .result()
                        .errors()
                        .getFirst()
                        .message())
                .isEqualTo("Item has no mapping for key 'priority'");
        assertThat(load(HEADER + rule("R", "evt.type = open").replace("WARNING", "loud"))
                        .result()
                        .errors()
                        .getFirst()
                        .message())
                .isEqualTo("Invalid priority");
        assertThat(load("- rule: [").result().errors().getFirst().code()).isEqualTo(LoadCode.LOAD_ERR_YAML_PARSE);
        assertThat(load("rule: x").result().errors().getFirst().message())
                .isEqualTo("Rules content is not yaml array of objects");
        var unknown = load(HEADER + "- foo: bar\n" + rule("R", "evt.type = open") + "  colour: red\n");
        assertThat(unknown.result().warnings())
                .extracting(LoadMessage::code)
                .containsExactly(LoadCode.LOAD_UNKNOWN_ITEM, LoadCode.LOAD_UNKNOWN_KEY);
        for (String p : List.of(
                "EMERGENCY", "alert", "Critical", "error", "warning", "notice", "informational", "info", "debug")) {
            assertThat(load(HEADER + rule("R", "evt.type = open").replace("WARNING", p))
                            .result()
                            .successful())
                    .as(p)
                    .isTrue();
        }
    }

    @Test
    void engineAndPluginRequirements() {
        assertThat(load("- required_engine_version: 9.0.0\n")
                        .result()
                        .errors()
                        .getFirst()
                        .message())
                .isEqualTo("Rules require engine version 9.0.0, but engine version is 0.62.0");
        assertThat(load("- required_engine_version: 10\n").result().successful())
                .isTrue();
        assertThat(load("- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n")
                        .result()
                        .successful())
                .isTrue();
        assertThat(load("- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n")
                        .result()
                        .errors()
                        .getFirst()
                        .message())
                .isEqualTo("Plugin requirement not satisfied, must load one of: k8saudit (>= 0.1.0)");
        assertThat(load("- required_plugin_versions:\n  - name: container\n    version: 9.0.0\n")
                        .result()
                        .errors()
                        .getFirst()
                        .message())
                .isEqualTo("Plugin 'container' version '0.6.0' is not compatible with required plugin version '9.0.0'");
        String alternatives = "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n"
                + "    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n";
        assertThat(load(alternatives).result().errors().getFirst().message())
                .isEqualTo(
                        "Plugin requirement not satisfied, must load one of: k8saudit (>= 0.1.0), k8saudit-eks (>= 0.2.0)");
        String satisfiedByAlternative = "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n"
                + "    alternatives:\n      - name: container\n        version: 0.4.0\n";
        assertThat(load(satisfiedByAlternative).result().successful()).isTrue();
    }

    @Test
    void duplicateExceptionNamesWarnLikeFalco() {
        String ex = "  exceptions:\n    - name: e\n      fields: proc.name\n      values: [a]\n"
                + "    - name: e\n      fields: proc.name\n      values: [b]\n";
        var l = load(HEADER + rule("R", "evt.type = open") + ex);
        assertThat(l.result().successful()).isTrue();
        assertThat(l.result().warnings())
                .extracting(LoadMessage::code)
                .contains(LoadCode.LOAD_EXCEPTION_NAME_NOT_UNIQUE);
        assertThat(l.result().warnings())
                .extracting(LoadMessage::message)
                .contains("Multiple definitions of exception 'e' in the same rule");
    }

    @Test
    void anUnreadableFileIsAFileReadError() {
        var l = new RulesLoader().loadFiles(List.of(Path.of("/nonexistent/rules.yaml")));
        assertThat(l.result().errors()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_ERR_FILE_READ);
        assertThat(l.result().errors().getFirst().message())
                .isEqualTo("Could not open /nonexistent/rules.yaml for reading");
    }

    @Test
    void unknownSourceIsSkippedWithAWarning() {
        var l = load(HEADER + rule("R", "ka.verb = create") + "  source: k8s_audit\n");
        assertThat(l.result().successful()).isTrue();
        assertThat(l.rules()).isEmpty();
        assertThat(l.result().warnings()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_UNKNOWN_SOURCE);
    }

    @Test
    void rulesWithoutEventTypeRestrictionWarn() {
        var l = load(HEADER + rule("R", "proc.name = x"));
        assertThat(l.result().warnings()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_NO_EVTTYPE);
        var quiet = load(HEADER + rule("R", "proc.name = x") + "  warn_evttypes: false\n");
        assertThat(quiet.result().warnings()).isEmpty();
    }
}
