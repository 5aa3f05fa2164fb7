package dev.peregrine.detector.rule;

import static dev.peregrine.detector.rule.RulesText.load;
import static dev.peregrine.detector.rule.RulesText.onlyError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.condition.CanonicalPrinter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Falco 0.44's loader checks and messages, on the rules files of Falco's own loader tests
 * (unit_tests/engine/test_rule_loader.cpp): modifiers in exception comps, transformers in
 * exception fields, the capture keys, rules redefined with another source, value warnings,
 * unknown keys and the evt.type warning.
 */
class FalcoLoaderChecksTest {
    private static final String BASE = """
            - rule: test_rule
              desc: test rule
              condition: evt.type = open
              output: command=%proc.cmdline
              priority: INFO
            """;

    private static String condition(RulesLoader.Loaded l) {
        assertThat(l.result().errors()).isEmpty();
        return CanonicalPrinter.print(l.rules().getFirst().condition());
    }

    private static RulesLoader.Loaded withException(String rule, String exception) {
        return load(rule + "  exceptions:\n" + exception.indent(4));
    }

    /** The base rule with one exception: proc.name = the value, as the YAML writes it. */
    private static RulesLoader.Loaded exceptingProcName(String value) {
        return withException(BASE, """
                - name: ex
                  fields: [proc.name]
                  comps: [=]
                  values:
                    - [%s]
                """.formatted(value));
    }

    @Test
    void modifierCompsFoldIntoTheCondition() {
        var l = withException(BASE.replace("open", "execve"), """
                - name: ex
                  fields: [proc.name]
                  comps: [= oneof]
                  values:
                    - [[nmap, masscan, nikto]]
                """);
        assertThat(condition(l)).isEqualTo("(evt.type = execve and not proc.name = oneof (nmap, masscan, nikto))");
        var all = withException(BASE.replace("open", "execve"), """
                - name: ex_oneof
                  fields: [proc.name]
                  comps: [startswith oneof]
                  values:
                    - [[ssh, su]]
                - name: ex_anyof
                  fields: [proc.name]
                  comps: [startswith anyof]
                  values:
                    - [[ssh, su]]
                - name: ex_allof
                  fields: [proc.cmdline]
                  comps: [contains allof]
                  values:
                    - [[curl, ci.internal]]
                """);
        assertThat(condition(all))
                .isEqualTo("(evt.type = execve and not proc.name startswith oneof (ssh, su) and not "
                        + "proc.name startswith anyof (ssh, su) and not proc.cmdline contains allof "
                        + "(curl, ci.internal))");
    }

    @Test
    void modifierCompsMixWithPlainOnesAndTakeScalarsAsOneItemLists() {
        var mixed = withException(BASE, """
                - name: ex
                  fields: [proc.name, fd.name]
                  comps: [startswith oneof, startswith]
                  values:
                    - [[sshd, sudo], /etc/]
                """);
        assertThat(condition(mixed))
                .isEqualTo("(evt.type = open and not (proc.name startswith oneof (sshd, sudo) and "
                        + "fd.name startswith /etc/))");
        var scalar = withException(BASE, """
                - name: ex
                  fields: [proc.name]
                  comps: [startswith oneof]
                  values:
                    - [sshd]
                """);
        assertThat(condition(scalar)).isEqualTo("(evt.type = open and not proc.name startswith oneof (sshd))");
        var single = withException(BASE, """
                - name: ex
                  fields: proc.name
                  comps: endswith anyof
                  values: [.sh, .py]
                """);
        assertThat(condition(single)).isEqualTo("(evt.type = open and not proc.name endswith anyof (.sh, .py))");
    }

    @Test
    void compsAreStrippedOfSurroundingBlanks() {
        var l = withException(BASE, """
                - name: ex_single
                  fields: [proc.name]
                  comps: ["  startswith oneof  "]
                  values:
                    - [[sshd, sudo]]
                - name: ex_multi
                  fields: [proc.name, fd.name]
                  comps: ["  contains  ", "  startswith anyof  "]
                  values:
                    - [agent, [/etc/, /var/]]
                """);
        assertThat(condition(l))
                .isEqualTo("(evt.type = open and not proc.name startswith oneof (sshd, sudo) and not "
                        + "(proc.name contains agent and fd.name startswith anyof (/etc/, /var/)))");
    }

    @ParameterizedTest
    @ValueSource(strings = {"frobulate oneof", "in oneof", "\">= oneof\"", "oneof", "startswith  oneof", "= someof"})
    void badModifierCompsAreRefused(String comp) {
        var l = withException(BASE, """
                - name: ex
                  fields: [proc.name]
                  comps: [%s]
                  values:
                    - [[bash]]
                """.formatted(comp));
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_VALIDATE);
        assertThat(e.message()).isEqualTo("'" + comp.replace("\"", "") + "' is not a supported comparison operator");
        assertThat(e.context().line()).isEqualTo(7);
    }

    @Test
    void aBadModifierCompOnASingleFieldGetsFalcosMessage() {
        var l = withException(BASE, """
                - name: ex
                  fields: proc.name
                  comps: frobulate oneof
                  values: [bash]
                """);
        assertThat(onlyError(l).message())
                .isEqualTo("When fields is a single value, comps must be one of (in, pmatch, intersects) "
                        + "or a modifier operator (e.g. startswith oneof)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tolower(proc.name)", "\"tolower(proc.name)\"", "\"tolower( proc.name)\""})
    void exceptionFieldsMayBeTransformers(String field) {
        var l = withException(BASE, """
                - name: ex
                  fields: [%s]
                  comps: [=]
                  values:
                    - [test]
                """.formatted(field));
        assertThat(condition(l)).isEqualTo("(evt.type = open and not tolower(proc.name) = test)");
        assertThat(l.result().warnings()).isEmpty();
    }

    @Test
    void aTransformerOfAnUnknownFieldIsNotAField() {
        var l = withException(BASE, """
                - name: ex
                  fields: [tolower(proc.nope)]
                  values:
                    - [test]
                """);
        assertThat(onlyError(l).message()).isEqualTo("'tolower(proc.nope)' is not a supported filter field");
    }

    @Test
    void valuesThatNameAFieldOrATransformerWarn() {
        var field = exceptingProcName("proc.pname");
        assertThat(condition(field)).isEqualTo("(evt.type = open and not proc.name = proc.pname)");
        assertThat(field.result().warnings()).singleElement().satisfies(w -> {
            assertThat(w.code()).isEqualTo(LoadCode.LOAD_COMPILE_CONDITION);
            assertThat(w.message()).isEqualTo("'proc.pname' may be a valid field misused as a const string value");
        });
        var spaced = exceptingProcName("\"proc.pname \"");
        assertThat(condition(spaced)).isEqualTo("(evt.type = open and not proc.name = \"proc.pname \")");
        assertThat(spaced.result().warnings())
                .extracting(LoadMessage::message)
                .containsExactly("'proc.pname ' may be a valid field misused as a const string value");
        var transformer = exceptingProcName("\"toupper( proc.pname)\"");
        assertThat(condition(transformer)).isEqualTo("(evt.type = open and not proc.name = \"toupper( proc.pname)\")");
        assertThat(transformer.result().warnings())
                .extracting(LoadMessage::message)
                .containsExactly(
                        "'toupper( proc.pname)' may be a valid field transformer misused as a const string value");
        // Without a blank the value is the transformer itself: no warning.
        var real = exceptingProcName("\"toupper(proc.pname)\"");
        assertThat(condition(real)).isEqualTo("(evt.type = open and not proc.name = toupper(proc.pname))");
        assertThat(real.result().warnings()).isEmpty();
    }

    @Test
    void aRegexThatSimplerOperatorsCouldDoWarns() {
        var l = load(BASE.replace("evt.type = open", "evt.type = open and proc.name regex '^ssh.*'"));
        assertThat(l.result().warnings())
                .extracting(LoadMessage::message)
                .containsExactly("regex check with '^ssh.*' may be optimized with simpler operators such as "
                        + "'=', 'contains', 'startswith', 'endswith'");
        var needed = load(BASE.replace("evt.type = open", "evt.type = open and proc.name regex 'ssh[0-9]+'"));
        assertThat(needed.result().warnings()).isEmpty();
    }

    @Test
    void captureKeysAreReadAndReplaceable() {
        var l = load(BASE + "  capture: true\n  capture_duration: 10000\n");
        assertThat(l.result().errors()).isEmpty();
        assertThat(l.result().warnings()).isEmpty();
        assertThat(l.rules().getFirst().capture()).isTrue();
        assertThat(l.rules().getFirst().captureDuration()).isEqualTo(10000);
        var byDefault = load(BASE);
        assertThat(byDefault.rules().getFirst().capture()).isFalse();
        assertThat(byDefault.rules().getFirst().captureDuration()).isZero();
        var replaced = load(BASE + "  capture: true\n  capture_duration: 5000\n" + """
                - rule: test_rule
                  capture: false
                  capture_duration: 15000
                  override:
                    capture: replace
                    capture_duration: replace
                """);
        assertThat(replaced.result().errors()).isEmpty();
        assertThat(replaced.rules().getFirst().capture()).isFalse();
        assertThat(replaced.rules().getFirst().captureDuration()).isEqualTo(15000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"not_a_number\"", "-1", "4294967296", "1.5", "[1]"})
    void aCaptureDurationThatIsNotAnUnsigned32BitNumberIsRefused(String value) {
        var l = load(BASE + "  capture_duration: " + value + "\n");
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_VALIDATE);
        assertThat(e.message())
                .isEqualTo(value.startsWith("[") ? "Value is not a scalar value" : "Can't decode YAML scalar value");
        assertThat(e.context().line()).isEqualTo(6);
        assertThat(e.context().column()).isEqualTo(21);
    }

    @Test
    void captureDurationsAsYamlCppReadsThem() {
        assertThat(load(BASE + "  capture_duration: 0x10\n").rules().getFirst().captureDuration())
                .isEqualTo(16);
        assertThat(load(BASE + "  capture_duration: 010\n").rules().getFirst().captureDuration())
                .isEqualTo(8);
        assertThat(load(BASE + "  capture_duration: 4294967295\n")
                        .rules()
                        .getFirst()
                        .captureDuration())
                .isEqualTo(4294967295L);
        // A quoted "yes" is a boolean to yaml-cpp: Falco loads it (its schema check flags it).
        assertThat(load(BASE + "  capture: \"yes\"\n").rules().getFirst().capture())
                .isTrue();
        assertThat(onlyError(load(BASE + "  capture: maybe\n")).message()).isEqualTo("Can't decode YAML scalar value");
    }

    @Test
    void redefiningARuleWithAnotherSourceIsRefused() {
        String k8s = """
                - rule: LD_PRELOAD trick
                  desc: Some desc
                  condition: ka.verb = GET
                  output: some output
                  priority: INFO
                  source: k8s_audit
                """;
        for (String second : List.of("""
                - rule: LD_PRELOAD trick
                  desc: Some desc
                  condition: and 1 = 2
                  output: Some output
                  priority: INFO
                  source: syscall
                """, """
                - rule: LD_PRELOAD trick
                  desc: Some desc
                  condition: and 1 = 2
                  output: Some output
                  priority: INFO
                  source: syscall
                  append: true
                """, """
                - rule: LD_PRELOAD trick
                  condition: 1 = 2
                  override:
                    condition: replace
                  source: syscall
                """)) {
            LoadMessage e = onlyError(load(k8s + second));
            assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_VALIDATE);
            assertThat(e.message()).isEqualTo("Rule has been re-defined with a different source");
            assertThat(e.context().item()).isEqualTo("rule 'LD_PRELOAD trick'");
            assertThat(e.context().line()).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"  source:\n", "  source: \"\"\n"})
    void anEmptySourceOnAnAppendIsNoOtherSource(String source) {
        var l = load("""
                - rule: LD_PRELOAD trick
                  desc: Some desc
                  condition: evt.type=execve
                  output: some output
                  priority: INFO
                  source: syscall
                - rule: LD_PRELOAD trick
                  condition: and proc.name=apache
                """ + source + "  append: true\n");
        assertThat(l.result().errors()).isEmpty();
        assertThat(condition(l)).isEqualTo("(evt.type = execve and proc.name = apache)");
    }

    @Test
    void aSourceOnlyMattersWhenTheConditionChanges() {
        // As Falco's reader: an override that leaves the condition alone does not carry the source.
        var l = load(BASE + """
                - rule: test_rule
                  desc: other
                  source: k8s_audit
                  override:
                    desc: replace
                """);
        assertThat(l.result().errors()).isEmpty();
        assertThat(l.rules().getFirst().description()).isEqualTo("other");
    }

    @Test
    void aReplacedExceptionMustBeComplete() {
        var l = load("""
                - rule: test_rule
                  desc: test rule description
                  condition: evt.type = close
                  output: user=%user.name command=%proc.cmdline file=%fd.name
                  priority: INFO
                  exceptions:
                    - name: test_exception
                      fields: proc.name
                      comps: in
                      values: ["cat"]

                # when appending, it's fine to provide partial exception definitions
                - rule: test_rule
                  exceptions:
                    - name: test_exception
                      values: [echo]
                  override:
                    exceptions: append

                # when replacing, we don't allow partial exception definitions
                - rule: test_rule
                  exceptions:
                    - name: test_exception
                      values: [id]
                  override:
                    exceptions: replace
                """);
        LoadMessage e = onlyError(l);
        assertThat(e.code()).isEqualTo(LoadCode.LOAD_ERR_YAML_VALIDATE);
        assertThat(e.message()).isEqualTo("Item has no mapping for key 'fields'");
        assertThat(e.context().line()).isEqualTo(23);
        assertThat(l.result().warnings()).isEmpty();
    }

    @Test
    void invalidMacroAndListNamesWarnWithFalcosText() {
        var macro = load("- macro: test-macro\n  condition: evt.type = close\n");
        assertThat(macro.result().warnings())
                .filteredOn(w -> w.code() == LoadCode.LOAD_INVALID_MACRO_NAME)
                .singleElement()
                .satisfies(w -> assertThat(w.message())
                        .isEqualTo("Macro has an invalid name. Macro names should match a regular expression: "
                                + "([a-zA-Z]+[a-zA-Z0-9_]*)"));
        var list = load("""
                - list: test list
                  items: [open, openat, openat2]
                - rule: test_rule
                  desc: test rule description
                  condition: evt.type in (test list)
                  output: user=%user.name
                  priority: INFO
                  enabled: false
                """);
        assertThat(list.result().errors()).isEmpty();
        assertThat(list.result().warnings())
                .extracting(LoadMessage::message)
                .contains("List has an invalid name. List names should match a regular expression: "
                        + "([^()\"'[:space:]=,]+)");
    }

    @Test
    void unknownKeysWarnAfterTheItemIsRead() {
        var rule = load(BASE + "  typo_field: some_value\n");
        assertThat(rule.result().successful()).isTrue();
        assertThat(rule.result().warnings()).singleElement().satisfies(w -> {
            assertThat(w.code()).isEqualTo(LoadCode.LOAD_UNKNOWN_KEY);
            assertThat(w.message()).isEqualTo("Unknown key 'typo_field'. The key will be ignored.");
            assertThat(w.context().line()).isEqualTo(6);
            assertThat(w.context().column()).isEqualTo(3);
        });
        var list = load("""
                - list: my_list
                  items: [cat, bash]
                  priority: INFO
                - rule: test_rule
                  desc: test rule description
                  condition: evt.type = close and proc.name in (my_list)
                  output: user=%user.name
                  priority: INFO
                """);
        assertThat(list.result().warnings())
                .extracting(LoadMessage::code, LoadMessage::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(
                        LoadCode.LOAD_UNKNOWN_KEY, "Unknown key 'priority'. The key will be ignored."));
        var macro = load(
                "- macro: m\n  condition: evt.type = close\n  typo_field: x\n" + BASE.replace("evt.type = open", "m"));
        assertThat(macro.result().warnings()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_UNKNOWN_KEY);
        var engine = load("- required_engine_version: 0.10.0\n  typo: x\n");
        assertThat(engine.result().warnings()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_UNKNOWN_KEY);
        // A legacy "append" warns first, then the unknown key, as Falco orders them.
        var order = load(BASE + "- rule: test_rule\n  condition: and fd.num > 0\n  append: true\n  colour: red\n");
        assertThat(order.result().warnings())
                .extracting(LoadMessage::code)
                .containsExactly(LoadCode.LOAD_DEPRECATED_ITEM, LoadCode.LOAD_UNKNOWN_KEY);
    }

    @Test
    void aConditionNoEventTypeCanSatisfyRaisesNoEvtTypeWarning() {
        var never = load(BASE.replace("evt.type = open", "evt.type = open and evt.type = close"));
        assertThat(never.result().warnings()).isEmpty();
        assertThat(never.rules().getFirst().eventTypes().names()).isEmpty();
        var placeholder = load("- macro: never_true\n  condition: (evt.num=0)\n"
                + BASE.replace("evt.type = open", "evt.type in (open) and never_true and evt.type = close"));
        assertThat(placeholder.result().warnings()).isEmpty();
        // Any event type still warns.
        var any = load(BASE.replace("evt.type = open", "proc.name = x"));
        assertThat(any.result().warnings()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_NO_EVTTYPE);
        var allBut = load(BASE.replace("evt.type = open", "evt.type != open"));
        assertThat(allBut.result().warnings()).extracting(LoadMessage::code).containsExactly(LoadCode.LOAD_NO_EVTTYPE);
    }

    @Test
    void conditionsWithModifiersAndTransformersLoad() {
        var l = load("""
                - list: shells
                  items: [bash, sh]
                - macro: spawned
                  condition: evt.type = execve
                - rule: test_rule
                  desc: d
                  condition: >
                    spawned and proc.name = oneof (shells) and
                    proc.cmdline contains allof (curl, "| sh") and
                    getopt(("-c", proc.args), "c:")[c] exists
                  output: o %proc.name
                  priority: WARNING
                """);
        assertThat(condition(l))
                .isEqualTo("(evt.type = execve and proc.name = oneof (bash, sh) and proc.cmdline contains allof "
                        + "(curl, \"| sh\") and getopt((-c,proc.args),c:)[c] exists)");
        assertThat(l.result().warnings()).isEmpty();
    }
}
