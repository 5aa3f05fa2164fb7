package dev.peregrine.detector.rule;

import static dev.peregrine.detector.rule.ConditionEvaluationTest.CONNECT;
import static dev.peregrine.detector.rule.ConditionEvaluationTest.CONNECT6;
import static dev.peregrine.detector.rule.ConditionEvaluationTest.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.condition.Escaping;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldCatalogue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Comparison modifiers evaluated: libsinsp 0.25's own cases (its cmp_operator_modifiers tests, on
 * a process named "cat" instead of "myexe"), and on every recorded event of the stable rules' cases
 * the precompiled matchers agree with the same check spelt out element by element.
 */
class ModifierEvaluationTest {
    private static final ConditionCompiler COMPILER = new ConditionCompiler(FieldCatalogue.standard());

    private static boolean eval(String condition, Event e) {
        return COMPILER.compile(ConditionParser.parse(condition)).test(e);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            proc.name == oneof (cat, bash)              | true
            proc.name == oneof (cat)                    | true
            proc.name == oneof (bash, sh)               | false
            proc.name == oneof (cat, cat)               | false
            proc.name == anyof (cat, bash)              | true
            proc.name == anyof (bash, sh)               | false
            proc.name == anyof (cat, cat)               | true
            proc.name == allof (cat)                    | true
            proc.name == allof (cat, bash)              | false
            proc.name == allof (cat, cat)               | true
            proc.name = oneof (cat, bash)               | true
            proc.name != oneof (cat, cat, bash)         | true
            proc.name != oneof (cat, cat)               | false
            proc.name != oneof (bash, sh)               | false
            proc.name != oneof (cat, bash)              | true
            proc.name != anyof (bash, sh)               | true
            proc.name != anyof (cat, bash)              | true
            proc.name != anyof (cat)                    | false
            proc.name != allof (bash, sh)               | true
            proc.name != allof (cat, bash)              | false
            proc.name contains oneof (ca, bash)         | true
            proc.name contains oneof (at)               | true
            proc.name contains oneof (bash, sh)         | false
            proc.name contains oneof (c, at)            | false
            proc.name contains anyof (c, at)            | true
            proc.name contains allof (c, at)            | true
            proc.name contains allof (ca, bash)         | false
            proc.name icontains oneof (CA, BASH)        | true
            proc.name icontains oneof (C, AT)           | false
            proc.name icontains anyof (C, AT)           | true
            proc.name icontains allof (C, AT)           | true
            proc.name icontains allof (CA, BASH)        | false
            proc.name startswith oneof (c, bash)        | true
            proc.name startswith oneof (c, ca)          | false
            proc.name startswith anyof (c, ca)          | true
            proc.name startswith allof (c, ca)          | true
            proc.name startswith allof (c, bash)        | false
            proc.name endswith oneof (at, sh)           | true
            proc.name endswith oneof (at, t)            | false
            proc.name endswith anyof (at, t)            | true
            proc.name endswith allof (at, t)            | true
            proc.name endswith allof (at, sh)           | false
            proc.name glob oneof (c*, bash)             | true
            proc.name glob oneof (c*, *t)               | false
            proc.name glob anyof (c*, *t)               | true
            proc.name glob allof (c*, *t)               | true
            proc.name glob allof (bash, sh*)            | false
            proc.name iglob oneof (C*, BASH)            | true
            proc.name iglob allof (C*, *T)              | true
            proc.name regex oneof (c.*, b.*)            | true
            proc.name regex oneof (c.*, .*t)            | false
            proc.name regex anyof (c.*, .*t)            | true
            proc.name regex allof (c.*, .*t)            | true
            proc.name regex allof (c.*, b.*)            | false
            toupper(proc.name) == oneof (CAT, BASH)     | true
            toupper(proc.name) != oneof (CAT, BASH)     | true
            toupper(proc.name) != allof (BASH, SH)      | true
            toupper(proc.name) != allof (CAT, BASH)     | false
            proc.name == oneof ()                       | false
            proc.name == anyof ()                       | false
            proc.name == allof ()                       | false
            proc.name != oneof ()                       | false
            proc.name != anyof ()                       | false
            proc.name != allof ()                       | false
            proc.name == oneof (cat) and proc.name != allof (bash, sh) | true
            proc.name == anyof (cat, bash) or proc.name != oneof (cat) | true
            fd.name startswith anyof (/etc/, /root/)    | true
            fd.name startswith oneof (/etc/, /etc/s, /e) | false
            fd.name startswith allof (/etc/, /etc/s, /e) | true
            fd.name contains allof (etc, shadow, /)     | true
            fd.name endswith anyof (.conf, .yaml)       | false
            proc.cmdline contains allof (cat, /etc)     | true
            proc.cmdline contains allof (curl, bash)    | false
            evt.buffer bcontains anyof (BABE, 0000)     | true
            evt.buffer bstartswith oneof (CAFE, CA)     | false
            evt.buffer bstartswith oneof (CAFE, 00)     | true
            proc.name == anyof cat                      | true
            proc.pname == oneof (bash)                  | true
            proc.aname[2] == oneof (runc, bash)         | true
            proc.nope == oneof (x)                      | false
            """)
    void libsinspCasesOnASingleValue(String condition, boolean expected) {
        if (condition.startsWith("proc.nope")) {
            assertThatThrownBy(() -> eval(condition, OPEN)).isInstanceOf(CompileException.class);
            return;
        }
        assertThat(eval(condition, OPEN)).as(condition).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            proc.pid = oneof (4242, 1)                 | true
            proc.pid = oneof (4242, 4242)              | false
            proc.pid = allof (4242, 4242)              | true
            proc.pid != anyof (4242)                   | false
            proc.pid != allof (1, 2)                   | true
            fd.num == anyof (0x3, 7)                   | true
            container.privileged = oneof (true, false) | true
            container.privileged != allof (false)      | true
            """)
    void numbersAndBooleansCompareAsNumbers(String condition, boolean expected) {
        assertThat(eval(condition, OPEN)).as(condition).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            proc.aname = oneof (bash, nginx)            | true
            proc.aname = allof (bash, runc)             | true
            proc.aname = oneof (bash, runc)             | false
            proc.aname = anyof (nginx, sshd)            | false
            proc.aname != anyof (bash, nginx)           | true
            proc.aname != allof (bash, nginx)           | false
            proc.aname startswith allof (sys, ru, b)    | true
            proc.aname contains oneof (yst, bas, un)    | false
            proc.aname contains anyof (yst)             | true
            proc.apid = oneof (1, 2)                    | true
            proc.apid = allof (1, 4200, 4100)           | true
            """)
    void severalValuesCountAnElementWhenSomeValueSatisfiesIt(String condition, boolean expected) {
        // OPEN's ancestors are bash (4200), runc (4100) and systemd (1).
        assertThat(eval(condition, OPEN)).as(condition).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            fd.sip = oneof ("169.254.169.254", "10.0.0.5")     | true
            fd.ip = allof ("169.254.169.254", "10.0.0.5")      | true
            fd.ip = oneof ("169.254.169.254", "10.0.0.5")      | false
            fd.snet = anyof ("10.0.0.0/8", "169.254.0.0/16")   | true
            fd.net = allof ("10.0.0.0/8", "169.254.0.0/16")    | true
            fd.rnet != allof ("10.0.0.0/8")                    | true
            fd.sport = oneof (80, 443)                         | true
            fd.port = allof (80, 43512)                        | true
            """)
    void networkFields(String condition, boolean expected) {
        assertThat(eval(condition, CONNECT)).as(condition).isEqualTo(expected);
    }

    @Test
    void ipv6NetworksToo() {
        assertThat(eval("fd.cnet = oneof (\"fe80::/10\", \"10.0.0.0/8\")", CONNECT6))
                .isTrue();
        assertThat(eval("fd.net = allof (\"fe80::/10\", \"::1/128\")", CONNECT6))
                .isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            proc.pid contains oneof (42)            | operator 'contains oneof' not supported by numeric field 'proc.pid'
            container.privileged glob anyof (t*)     | operator 'glob anyof' not supported by boolean field 'container.privileged'
            fd.snet startswith anyof (10.)           | 'startswith' with modifier not supported for ip address and network filters
            proc.pid = oneof (abc)                   | could not parse 'abc' as a number for field 'proc.pid'
            evt.type = oneof (open, nosuch)          | unknown event type nosuch
            """)
    void badModifierChecksAreCompileErrors(String condition, String message) {
        assertThatThrownBy(() -> eval(condition, OPEN))
                .isInstanceOf(CompileException.class)
                .hasMessage(message);
    }

    @Test
    void evtTypeWithAModifierKeepsItsMeaning() {
        assertThat(eval("evt.type = oneof (openat, open)", OPEN)).isTrue();
        assertThat(eval("evt.type != allof (open, execve)", OPEN)).isTrue();
        // libsinsp does not index such checks by event type: the rule is asked about every type.
        assertThat(EventTypes.of(ConditionParser.parse("evt.type = oneof (openat, open)")))
                .isEqualTo(EventTypes.ALL);
    }

    /** Fields with text values worth comparing, one value each or several. */
    private static final List<String> FIELDS = List.of(
            "proc.name",
            "proc.exepath",
            "proc.cmdline",
            "fd.name",
            "fd.directory",
            "proc.pname",
            "container.image.repository",
            "proc.aname",
            "proc.aexepath",
            "tolower(proc.cmdline)");

    private static final List<String> OPERATORS = List.of(
            "=", "!=", "contains", "icontains", "startswith", "endswith", "glob", "iglob", "regex", "bcontains");

    @Test
    void matchersAgreeWithTheCheckSpeltOutPerElementOnRecordedEvents() throws IOException {
        List<Event> events = recordedEvents();
        Random random = new Random(20261206);
        Set<String> pool = new LinkedHashSet<>();
        FieldCatalogue catalogue = FieldCatalogue.standard();
        for (Event e : events) {
            for (String f : List.of("proc.name", "proc.exepath", "proc.cmdline", "fd.name", "proc.aname")) {
                Accessor a = catalogue.resolve(f, null);
                for (int i = 0; i < a.count(e); i++) {
                    String v = a.textAt(e, i);
                    if (v == null || v.isEmpty()) continue;
                    pool.add(v);
                    int from = random.nextInt(v.length()), to = from + random.nextInt(v.length() - from) + 1;
                    pool.add(v.substring(from, to));
                    pool.add(v.substring(0, to));
                    pool.add(v.substring(from));
                }
            }
        }
        pool.addAll(List.of("nope", "*", "", "bin", "/usr/*", "*sh", ".*", "[a-z]*", "ETC", "6E67"));
        List<String> values = new ArrayList<>(pool);
        int compared = 0, matchedSome = 0;
        for (int round = 0; round < 300; round++) {
            String field = FIELDS.get(random.nextInt(FIELDS.size()));
            String op = OPERATORS.get(random.nextInt(OPERATORS.size()));
            List<String> list = new ArrayList<>();
            int n = 1 + random.nextInt(round % 10 == 0 ? 80 : 6);
            for (int i = 0; i < n; i++) {
                String v = values.get(random.nextInt(values.size()));
                if (op.equals("bcontains")) v = hex(v);
                list.add(v);
                if (random.nextInt(8) == 0) list.add(v);
            }
            if (op.equals("regex")) list.replaceAll(v -> v.replaceAll("[\\\\()\\[\\]{}+?|^$*]", ""));
            StringBuilder rhs = new StringBuilder("(");
            for (String v : list) rhs.append(rhs.length() > 1 ? ", " : "").append(Escaping.quote(v));
            rhs.append(')');
            String f = op.equals("bcontains") ? "evt.buffer" : field;
            EventPredicate[] each = list.stream()
                    .map(v -> COMPILER.compile(ConditionParser.parse(f + " " + op + " " + Escaping.quote(v))))
                    .toArray(EventPredicate[]::new);
            for (String mod : List.of("oneof", "anyof", "allof")) {
                EventPredicate whole = COMPILER.compile(ConditionParser.parse(f + " " + op + " " + mod + " " + rhs));
                EventPredicate present = COMPILER.compile(ConditionParser.parse(f + " exists"));
                for (Event e : events) {
                    int matched = 0;
                    for (EventPredicate p : each) if (p.test(e)) matched++;
                    boolean expected = present.test(e)
                            && switch (mod) {
                                case "oneof" -> matched == 1;
                                case "anyof" -> matched > 0;
                                default -> matched == list.size();
                            };
                    assertThat(whole.test(e))
                            .as("%s %s %s %s on event %d", f, op, mod, rhs, e.num)
                            .isEqualTo(expected);
                    compared++;
                    if (expected) matchedSome++;
                }
            }
        }
        assertThat(compared).isGreaterThan(50_000);
        assertThat(matchedSome).isGreaterThan(1000);
    }

    private static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 4); i++) sb.append(String.format("%02X", s.charAt(i) & 0xFF));
        return sb.toString();
    }

    static List<Event> recordedEvents() throws IOException {
        List<Event> events = new ArrayList<>();
        JsonMapper mapper = JsonMapper.builder().build();
        for (String line : Files.readAllLines(Path.of("src/test/resources/replay/stable_rule_cases.jsonl"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            for (JsonNode ev : mapper.readTree(line).get("events").values())
                events.add(EventJson.parse(mapper.writeValueAsString(ev)));
        }
        return events;
    }
}
