package dev.peregrine.detector.condition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Falco 0.44's additions to the condition language (libsinsp 0.25): comparison modifiers,
 * transformers of several arguments with numbers and an optional {@code [arg]}, and any blank
 * between tokens. Accepted and rejected forms follow libsinsp's parser tests.
 */
class ModifierAndTransformerSyntaxTest {

    private static String canonical(String condition) {
        return CanonicalPrinter.print(ConditionParser.parse(condition));
    }

    /** As libsinsp's test_accept: the condition, padded, with its spaces turned into line breaks, then tabs. */
    private static void assertAcceptedWithAnyBlanks(String condition) {
        String padded = " " + condition + " ";
        String expected = canonical(condition);
        for (String variant : List.of(condition, padded, padded.replace(' ', '\n'), padded.replace(' ', '\t'))) {
            assertThat(canonical(variant)).as(variant).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "proc.name == oneof (cat, nginx)",
                "proc.name == anyof (cat, nginx)",
                "proc.name == allof (cat, nginx)",
                "proc.name = oneof (cat, nginx)",
                "proc.name != allof (cat, nginx)",
                "proc.name == oneof (cat)",
                "proc.name == oneof ()",
                "proc.name == oneof ('cat', \"nginx\", bare)",
                "proc.exepath == oneof (/usr/bin/bash, /bin/sh, /usr/sbin/sshd)",
                "proc.name == oneof allowed_processes",
                "proc.name == oneof oneof",
                "evt.arg[0] == oneof (connect, accept)",
                "proc.aname[2] != oneof (bash, sh)",
                "tolower(proc.name) == oneof (cat, nginx)",
                "b64(proc.cmdline) == allof (\"dGVzdA==\")",
                "proc.name == oneof (cat, nginx) and fd.name exists",
                "not proc.name == oneof (cat, nginx)",
                "(proc.name == oneof (cat, nginx))",
                "proc.name contains allof (curl, bash)",
                "fd.name startswith anyof (/etc/, /root/)",
                "proc.name endswith allof (.so, .so.1)",
                "proc.name glob oneof (a*, *b)",
                "proc.name iglob allof (cat*)",
                "proc.name icontains anyof (cat, nginx)",
                "proc.name regex oneof (\"research[0-9]+\", \"pentest-[0-9]{2,4}\")",
                "evt.buffer bcontains anyof (CAFE, BABE)",
                "evt.buffer bstartswith oneof (CAFE)",
                "proc.name != oneof (a) and proc.name contains anyof (x, y)"
            })
    void modifiersFollowStringOperatorsWithAnyBlanks(String condition) {
        assertAcceptedWithAnyBlanks(condition);
    }

    @ParameterizedTest
    @ValueSource(strings = {"proc.name==oneof (cat,nginx)", "proc.name == oneof(cat, nginx)", "proc.name =allof (cat)"})
    void aModifierNeedsBlanksAroundIt(String condition) {
        // "==oneof" is the operator and the bare string "oneof", "oneof(" the string "oneof": "(" is left over.
        assertThatThrownBy(() -> ConditionParser.parse(condition))
                .isInstanceOf(ConditionSyntaxException.class)
                .hasMessageStartingWith("unexpected token after");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            proc.name = oneof (a, b)                      | proc.name = oneof (a, b)
            proc.name  ==   anyof   ( a ,b )              | proc.name == anyof (a, b)
            proc.name contains allof (curl, bash)         | proc.name contains allof (curl, bash)
            proc.name == oneof ()                         | proc.name == oneof ()
            proc.name == oneof ('it''s', "a b")           | proc.name == oneof ("it's", "a b")
            proc.name == oneof my_list                    | proc.name == oneof my_list
            proc.name == oneof                            | proc.name == oneof
            proc.name == anyof and fd.name exists         | (proc.name == anyof and fd.name exists)
            proc.name == oneof or fd.name exists          | (proc.name == oneof or fd.name exists)
            (proc.name == allof) or (proc.name == oneof)  | (proc.name == allof or proc.name == oneof)
            proc.name == oneof_something                  | proc.name == oneof_something
            proc.name == 'oneof'                          | proc.name == oneof
            proc.name == oneof notmacro                   | proc.name == oneof notmacro
            """)
    void modifierCanonicalForms(String condition, String expected) {
        assertThat(canonical(condition.replace("''", "\\'"))).isEqualTo(expected);
    }

    @Test
    void aModifierIsPartOfTheOperatorInTheAst() {
        assertThat(ConditionParser.parse("proc.name startswith\tanyof\n(/etc/, /tmp/)"))
                .isEqualTo(new Expr.BinaryCheck(
                        Expr.Field.of("proc.name"), "startswith anyof", new Expr.ListValue(List.of("/etc/", "/tmp/"))));
        assertThat(ConditionParser.parse("proc.name != oneof names"))
                .isEqualTo(new Expr.BinaryCheck(Expr.Field.of("proc.name"), "!= oneof", new Expr.Value("names")));
        // Without a list after it, a modifier keyword is a plain value.
        assertThat(ConditionParser.parse("proc.name == anyof and fd.name exists"))
                .isEqualTo(new Expr.And(List.of(
                        new Expr.BinaryCheck(Expr.Field.of("proc.name"), "==", new Expr.Value("anyof")),
                        new Expr.UnaryCheck(Expr.Field.of("fd.name"), "exists"))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            proc.name == oneof (cat,)                 | expected a string value                                   | 25
            proc.name == oneof (cat,,nginx)           | expected a string value                                   | 25
            proc.name == oneof (,cat)                 | expected a ')' token                                      | 21
            proc.name == oneof (cat, nginx            | expected a ')' token                                      | 31
            proc.name ==oneof (cat, nginx)            | unexpected token after 'oneof', expecting 'or', 'and'      | 19
            proc.name == oneof(cat, nginx)            | unexpected token after 'oneof', expecting 'or', 'and'      | 19
            proc.name contains oneof(cat)             | unexpected token after 'oneof', expecting 'or', 'and'      | 25
            proc.name == ONEOF (cat)                  | unexpected token after 'ONEOF', expecting 'or', 'and'      | 20
            proc.name == oneof_something (cat)        | unexpected token after 'oneof_something', expecting 'or', 'and' | 30
            proc.name in oneof (cat)                  | unexpected token after 'oneof', expecting 'or', 'and'      | 20
            proc.name pmatch allof (cat)              | unexpected token after 'allof', expecting 'or', 'and'      | 24
            proc.name == oneof not_macro              | unexpected token after 'oneof', expecting 'or', 'and'      | 20
            """)
    void malformedModifiersAreRejected(String condition, String message, int column) {
        assertThatThrownBy(() -> ConditionParser.parse(condition))
                .isInstanceOfSatisfying(ConditionSyntaxException.class, e -> {
                    assertThat(e).hasMessage(message);
                    assertThat(e.pos().col()).isEqualTo(column);
                });
    }

    @Test
    void numericOperatorsTakeNoModifier() {
        assertThatThrownBy(() -> ConditionParser.parse("proc.pid > oneof (1, 2)"))
                .hasMessageStartingWith("expected a number value or a field with a valid transformer");
        assertThatThrownBy(() -> ConditionParser.parse("proc.pid <= anyof (1, 2)"))
                .hasMessageStartingWith("expected a number value or a field with a valid transformer");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a.b contains bla",
                "proc.name in (a, b) and not fd.name startswith /etc",
                "evt.type = open or proc.name glob 'x*'",
                "a.b = 1 and (c.d exists or not e.f icontains g)",
                "getopt(proc.args, \"nt:\")[t] = value",
                "join(\"-\", (fd.name, 123)) = x",
                "concat(proc.name, \"-\", fd.name) endswith x"
            })
    void anyBlankSeparatesTokens(String condition) {
        assertAcceptedWithAnyBlanks(condition);
    }

    @Test
    void blockScalarConditionsParse() {
        // What a YAML "|" block leaves: line breaks between every token, as libsinsp's own test writes it.
        assertThat(canonical("\na.b\ncontains\nbla\n")).isEqualTo("a.b contains bla");
        assertThat(canonical("proc.name\tstartswith\t/etc\r\nand\r\nfd.num\t>\t0"))
                .isEqualTo("(proc.name startswith /etc and fd.num > 0)");
        // A word operator still needs a blank after it.
        assertThatThrownBy(() -> ConditionParser.parse("a.b contains(x)"))
                .hasMessageStartingWith("expected a valid check operator");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            getopt(proc.args, "nt:")[t] = value                 | getopt(proc.args,nt:)[t] = value
            getopt(proc.args, "nt:")["t"] = value               | getopt(proc.args,nt:)[t] = value
            getopt(proc.args, "nt:")[""] = value                | getopt(proc.args,nt:)[""] = value
            getopt(("-n", "-t", x.y), ":t:") intersects (t)     | getopt((-n,-t,x.y),:t:) intersects (t)
            join("-", (proc.pid, 123)) contains 123             | join(-,(proc.pid,123)) contains 123
            join("-", (fd.name, 0x1F, -1.5e+3)) exists          | join(-,(fd.name,0x1F,-1.5e+3)) exists
            concat(proc.name, "x", fd.name) = a                 | concat(proc.name,x,fd.name) = a
            tolower("ABC") = abc                                | tolower(ABC) = abc
            len(("a", "b")) = 2                                 | len((a,b)) = 2
            toupper(getopt(("-t", "v"), "t:")[t]) = V           | toupper(getopt((-t,v),t:)[t]) = V
            proc.name = val(proc.pname)                         | proc.name = val(proc.pname)
            proc.aname["some proc"] = x                         | proc.aname["some proc"] = x
            evt.arg[""] = x                                     | evt.arg[""] = x
            """)
    void transformerCanonicalForms(String condition, String expected) {
        assertThat(canonical(condition)).isEqualTo(expected);
    }

    @Test
    void transformerArgumentsAndTheirAstShape() {
        assertThat(ConditionParser.parse("getopt(proc.args, \"nt:\")[t] = value"))
                .isEqualTo(new Expr.BinaryCheck(
                        new Expr.MultiTransform(
                                "getopt", List.of(Expr.Field.of("proc.args"), new Expr.Value("nt:")), "t"),
                        "=",
                        new Expr.Value("value")));
        // An empty argument is kept apart from none.
        assertThat(ConditionParser.parse("getopt(a.b, \"n\")[\"\"] = x"))
                .isNotEqualTo(ConditionParser.parse("getopt(a.b, \"n\") = x"));
        assertThat(ConditionParser.parse("a.b[\"\"] = x")).isNotEqualTo(ConditionParser.parse("a.b = x"));
        assertThat(ConditionParser.parse("tolower(\"X\") = x"))
                .isEqualTo(new Expr.BinaryCheck(
                        new Expr.Transform("tolower", new Expr.Value("X")), "=", new Expr.Value("x")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            getopt(proc.args, "nt:")[] = value   | expected a valid field argument: a quoted string or a bare string | 26
            getopt(proc.args, "nt:")["t" = value | expected a ']' token                                   | 29
            concat() = x                         | expected field transformer argument: field, transformer, quoted string, number, or transformer list | 8
            concat(a.b c.d) = x                  | expected a ')' token closing the transformer            | 12
            join("-", (fd.name, bare)) = x       | expected transformer list argument: field, transformer, quoted string, or number | 21
            join("-", fd.name, fd.directory)) = x | expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch' | 33
            val(proc.name) = x                   | unexpected token after 'val', expecting 'or', 'and'   | 4
            """)
    void malformedTransformersAreRejected(String condition, String message, int column) {
        assertThatThrownBy(() -> ConditionParser.parse(condition))
                .isInstanceOfSatisfying(ConditionSyntaxException.class, e -> {
                    assertThat(e).hasMessage(message);
                    assertThat(e.pos().col()).isEqualTo(column);
                });
    }

    @Test
    void theMessagesNameEveryTransformer() {
        assertThat(ConditionParser.supportedTransformers(true))
                .containsExactly("val", "tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt");
        assertThatCode(() -> ConditionParser.parse("concat(a.b, \"c\") = x")).doesNotThrowAnyException();
    }
}
