package dev.peregrine.detector.rule;

import static dev.peregrine.detector.rule.ConditionEvaluationTest.OPEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.field.FieldCatalogue;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * getopt, concat, join with numbers and transformer lists, evaluated; cases and messages from
 * libsinsp 0.25's transformer tests (filter_transformer.ut.cpp).
 */
class TransformerEvaluationTest {
    private static final ConditionCompiler COMPILER = new ConditionCompiler(FieldCatalogue.standard());

    private static boolean eval(String condition, Event e) {
        return COMPILER.compile(ConditionParser.parse(condition)).test(e);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            getopt(("-n",""), "n") intersects ("n")                                   | true
            getopt(("-t", "hello"), "t:") intersects ("t", "hello")                   | true
            getopt(("-nt", "hello"), "nt:") intersects ("n", "t", "hello")            | true
            getopt(("-thello"), "t:") intersects ("t", "hello")                       | true
            getopt(("-n"), "n") intersects ("t")                                      | false
            getopt(("-n", "--", "-t"), "nt:") intersects ("n")                        | true
            getopt(("-n", "--", "-t"), "nt:") intersects ("t")                        | false
            getopt(("-x", "-n"), "n") intersects ("?", "n")                           | true
            getopt(("-x", "-n"), "n") intersects ("x")                                | false
            getopt(("-lpe", "/bin/sh"), "lpe:") intersects ("/bin/sh")                | true
            getopt(("-n", "-t"), "") intersects ("n")                                 | false
            getopt(("arg1", "-n", "arg2"), "n") intersects ("n")                      | false
            getopt(("-", "-n"), "n") intersects ("n")                                 | false
            getopt(("-t"), "t:") intersects ("")                                      | true
            getopt(("-t"), "t:") intersects ("t")                                     | false
            getopt(("-t"), ":t:") intersects (":")                                    | false
            getopt(("--", "-n"), "n") intersects ("n")                                | false
            getopt(("--exec"), "e:") intersects ("e")                                 | false
            getopt(("--exec", "-n"), "n") intersects ("n")                            | true
            getopt(("-nx"), "n") intersects ("n", "?")                                | true
            getopt(("-n", "-t", "hello"), "nt:")[t] = hello                           | true
            getopt(("-n", "-t", "hello"), "nt:")[t] = n                               | false
            getopt(("-n", "-t", "hello"), "nt:")[n] = n                               | true
            getopt(("-t", "v1", "-t", "v2"), "t:")[t] = v2                            | true
            getopt(("-t?"), "t:")[t] = ?                                              | true
            getopt(("-t"), "t:")[t] != ""                                             | false
            getopt(("-t"), "t:")[t] = ""                                              | true
            getopt(("-n"), "nt:")[t] != ""                                            | false
            getopt(("-n"), "nt:")[t] exists                                           | false
            getopt(("-t", "v1", "-t"), "t:")[t] = ""                                  | true
            getopt(("-p", "8080"), "p:") in ("p", "8080", "x")                        | true
            getopt(("-p", "8080"), "p:") in ("p")                                     | false
            getopt(("x"), "p:") in ("p")                                              | true
            getopt(("x"), "p:") exists                                                | true
            getopt((proc.name, "-t", fd.name), "t:") intersects ("/etc/shadow")       | false
            getopt(("-t", fd.name), "t:")[t] = /etc/shadow                            | true
            getopt(("-t", proc.pname), "t:")[t] startswith ba                         | true
            getopt(("-t", proc.aname[9]), "t:")[t] exists                             | false
            toupper(getopt(("-t", "v"), "t:")[t]) = V                                 | true
            len(getopt(("-a", "-b", "-c"), "abc")) = 3                                | true
            len(("a", "bb", fd.name)) = 3                                             | true
            tolower(("A", "B")) intersects (b)                                        | true
            concat(proc.name, ":", fd.name) = cat:/etc/shadow                         | true
            concat(proc.name, proc.aname[9]) exists                                   | false
            concat("a", "b", "c") = abc                                               | true
            join("-", (proc.pid, 123)) = 4242-123                                     | true
            join(",", (evt.num, 0x1F, -1.5)) = "7,0x1F,-1.5"                          | true
            join("+", (getopt(("-a", "-b"), "ab"), "z")) = a+b+z                      | true
            tolower("ABC") = abc                                                      | true
            len("abcd") = 4                                                           | true
            """)
    void transformersEvaluate(String condition, boolean expected) {
        assertThat(eval(condition, OPEN)).as(condition).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            getopt(("a"), "n", "extra") intersects ("n")   | getopt() requires exactly 2 arguments: args list and optstring
            getopt("not_a_list", "n") intersects ("n")     | getopt() first argument must be a list
            getopt(proc.args, "n") intersects ("n")        | getopt() first argument must be a list
            getopt(("-n"), ("n")) intersects ("n")         | getopt() second argument (optstring) must be a single value
            getopt(("-n"), evt.num) intersects ("n")       | getopt() arguments must be strings
            getopt(("-n"), "n")[""] = n                    | getopt() field argument must be a single option character
            getopt(("-n"), "n")[nt] = n                    | getopt() field argument must be a single option character
            getopt(("-n"))[n] = n                          | filter error: transformer 'getopt' does not support field arguments
            getopt(("-n")) intersects (n)                  | unknown field transfomer 'getopt'
            concat(proc.name) = x                          | unknown field transfomer 'concat'
            concat(proc.name, proc.pid) = x                | concat() arguments must be strings
            concat(proc.name, ("a", "b")) = x              | concat() arguments must be strings
            concat(proc.name, "a")[x] = x                  | transformer 'concat' does not support field arguments
            tolower(proc.name, "a") = x                    | unknown multivalue transformer
            tolower(proc.name)[x] = x                      | filter error: transformer 'tolower' does not support field arguments
            proc.name = val(proc.pname)[x]                 | filter error: transformer 'val' does not support field arguments
            getopt(("-n"), "n") = n                        | filter error: '=' operator not supported list filters
            getopt(("-n"), "n") contains n                 | filter error: 'contains' operator not supported list filters
            getopt(("-n"), "n") == oneof (n)               | filter error: '=' operator not supported list filters
            tolower(evt.num) = 1                           | transformer 'tolower' is not supported on fields of type UINT64
            """)
    void transformerArgumentsAreCheckedWithLibsinspMessages(String condition, String message) {
        assertThatThrownBy(() -> eval(condition, OPEN))
                .as(condition)
                .isInstanceOf(CompileException.class)
                .hasMessage(message);
    }

    @Test
    void getoptScansLikeGetopt3() {
        Getopt.Options o = Getopt.Options.parse("lp:e:");
        assertThat(Getopt.scan(List.of("-l", "-p", "8080", "-e", "/bin/sh", "host"), o, (char) 0))
                .containsExactly("l", "p", "8080", "e", "/bin/sh");
        assertThat(Getopt.scan(List.of("-lpe", "/bin/sh"), o, (char) 0)).containsExactly("l", "p", "e");
        assertThat(Getopt.scan(List.of("-xzf", "file.tar.gz"), Getopt.Options.parse("xzf:"), (char) 0))
                .containsExactly("x", "z", "f", "file.tar.gz");
        assertThat(Getopt.scan(List.of("-t", "v1", "-t", "v2"), Getopt.Options.parse("t:"), 't'))
                .containsExactly("v1", "v2");
    }

    @Test
    void transformersOnRecordedEventsAgreeWithTheirFields() throws IOException {
        // concat of two fields is the two values one after the other, and absent when either is.
        EventPredicate both = COMPILER.compile(ConditionParser.parse("proc.name exists and fd.name exists"));
        EventPredicate concat = COMPILER.compile(ConditionParser.parse("concat(proc.name, fd.name) exists"));
        EventPredicate same = COMPILER.compile(
                ConditionParser.parse("concat(proc.name, \"|\", fd.name) = join(\"|\", (proc.name, fd.name))"));
        int compared = 0;
        for (Event e : ModifierEvaluationTest.recordedEvents()) {
            assertThat(concat.test(e)).isEqualTo(both.test(e));
            if (both.test(e)) {
                assertThat(same.test(e)).isTrue();
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(10);
    }
}
