package dev.peregrine.detector.condition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConditionParserTest {

    private static String canonical(String condition) {
        return CanonicalPrinter.print(ConditionParser.parse(condition));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            proc.name=bash                                 | proc.name = bash
            proc.name == bash                              | proc.name == bash
            proc.name!=bash                                | proc.name != bash
            fd.num<0                                       | fd.num < 0
            fd.num <= 10                                   | fd.num <= 10
            fd.num>0x1F                                    | fd.num > 0x1F
            fd.num >= -1.5e+3                              | fd.num >= -1.5e+3
            fd.name contains /etc                          | fd.name contains /etc
            fd.name icontains ETC                          | fd.name icontains ETC
            evt.buffer bcontains 0A0B                      | evt.buffer bcontains 0A0B
            fd.name startswith /etc                        | fd.name startswith /etc
            evt.buffer bstartswith CAFE                    | evt.buffer bstartswith CAFE
            fd.name endswith .conf                         | fd.name endswith .conf
            fd.name glob '/home/*/.ssh/*'                  | fd.name glob /home/*/.ssh/*
            fd.name iglob /ETC/*                           | fd.name iglob /ETC/*
            proc.name regex '^ba.h$'                       | proc.name regex ^ba.h$
            proc.name in (bash, sh)                        | proc.name in (bash, sh)
            proc.name in ()                                | proc.name in ()
            proc.args intersects ("-V", "-l")              | proc.args intersects (-V, -l)
            fd.name pmatch (/etc, /usr)                    | fd.name pmatch (/etc, /usr)
            proc.pname exists                              | proc.pname exists
            proc.aname[2]=sshd                             | proc.aname[2] = sshd
            evt.arg[0] = 3                                 | evt.arg[0] = 3
            evt.arg.flags contains O_CREAT                 | evt.arg.flags contains O_CREAT
            container.mount.dest[/proc*] in ("<NA>","N/A") | container.mount.dest[/proc*] in (<NA>, N/A)
            tolower(proc.name) = bash                      | tolower(proc.name) = bash
            toupper( proc.name ) = BASH                    | toupper(proc.name) = BASH
            b64(proc.env) contains x                       | b64(proc.env) contains x
            basename(fd.name) = passwd                     | basename(fd.name) = passwd
            len(proc.args) > 100                           | len(proc.args) > 100
            tolower(basename(fd.name)) = passwd            | tolower(basename(fd.name)) = passwd
            proc.name = val(proc.pname)                    | proc.name = val(proc.pname)
            proc.name = tolower(proc.pname)                | proc.name = tolower(proc.pname)
            fd.num > val(proc.pid)                         | fd.num > val(proc.pid)
            join("-", (fd.name,fd.directory)) = x          | join(-,(fd.name,fd.directory)) = x
            join( ',' , ( "a b" , 'c' ) ) = x              | join(,,("a b",c)) = x
            join("", ()) = x                               | join(,()) = x
            join(fd.name, (proc.aname[2])) exists          | join(fd.name,(proc.aname[2])) exists
            join("->", (toupper(fd.name), "aaa")) = x      | join(->,(toupper(fd.name),aaa)) = x
            toupper(join("-", (fd.name))) = X              | toupper(join(-,(fd.name))) = X
            len(join("-", ("a", "b"))) > 2                 | len(join(-,(a,b))) > 2
            join("-", (fd.directory, join("+", ("a")))) = x | join(-,(fd.directory,join(+,(a)))) = x
            join("-", "a", "b") = x                        | join(-,a,b) = x
            fd.name = join("/", (fd.directory, fd.filename)) | fd.name = join(/,(fd.directory,fd.filename))
            """)
    void operatorsAndOperandsPrintCanonically(String input, String expected) {
        assertThat(canonical(input)).isEqualTo(expected);
    }

    @Test
    void andBindsTighterThanOrAndChainsAreFlat() {
        assertThat(canonical("a or b and c or d")).isEqualTo("(a or (b and c) or d)");
        assertThat(canonical("a and b and c")).isEqualTo("(a and b and c)");
        assertThat(canonical("(a or b) and c")).isEqualTo("((a or b) and c)");
        assertThat(canonical("((a))")).isEqualTo("a");
    }

    @Test
    void notAppliesToTheNextCheckAndDoubleNotCancels() {
        assertThat(canonical("not a and b")).isEqualTo("(not a and b)");
        assertThat(canonical("not (a and b)")).isEqualTo("not (a and b)");
        assertThat(canonical("not(a)")).isEqualTo("not a");
        assertThat(canonical("not not a")).isEqualTo("a");
        assertThat(canonical("a and(b or c)")).isEqualTo("(a and (b or c))");
        assertThat(canonical("a or(b)")).isEqualTo("(a or b)");
    }

    @Test
    void astShapes() {
        Expr e = ConditionParser.parse("proc.aname[3] in (a, 'b c') and not fd.name exists");
        assertThat(e)
                .isEqualTo(new Expr.And(List.of(
                        new Expr.BinaryCheck(
                                new Expr.Field("proc.aname", "3"), "in", new Expr.ListValue(List.of("a", "b c"))),
                        new Expr.Not(new Expr.UnaryCheck(Expr.Field.of("fd.name"), "exists")))));
    }

    @Test
    void quotedStringsAreUnescapedAndRequotedOnlyWhenNeeded() {
        assertThat(canonical("proc.name = \"a\\\"b\"")).isEqualTo("proc.name = \"a\\\"b\"");
        assertThat(canonical("proc.name = 'a b'")).isEqualTo("proc.name = \"a b\"");
        assertThat(canonical("proc.name = \"tab\\there\"")).isEqualTo("proc.name = \"tab\\there\"");
        assertThat(canonical("proc.name = \"x\\/y\"")).isEqualTo("proc.name = x/y");
        assertThat(canonical("proc.args = \"\"")).isEqualTo("proc.args = ");
        Expr.BinaryCheck b = (Expr.BinaryCheck) ConditionParser.parse("proc.name = 'it\\'s'");
        assertThat(((Expr.Value) b.right()).value()).isEqualTo("it's");
    }

    @Test
    void escapesOfTheWrongQuoteAreRejected() {
        assertThatThrownBy(() -> ConditionParser.parse("proc.name = 'a\\\"b'"))
                .hasMessage("invalid \\\" escape in '-quoted string");
        assertThatThrownBy(() -> ConditionParser.parse("proc.name = \"a\\qb\""))
                .hasMessage("unsupported string escape sequence: \\q");
    }

    @Test
    void blanksIncludingNewlinesSeparateTokens() {
        assertThat(canonical("\n  proc.name = bash\n  and\tfd.num >= 0\n"))
                .isEqualTo("(proc.name = bash and fd.num >= 0)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            a and                          | expected blank or '(' after 'and'                       | 6
            a andb                         | expected blank or '(' after 'and'                       | 6
            a or                           | expected blank or '(' after 'or'                        | 5
            (a                             | expected a ')' token                                    | 3
            a)                             | unexpected token after 'a', expecting 'or', 'and'       | 2
            proc.name                      | expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch' | 10
            proc.name in                   | expected a list, an identifier, or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt' | 13
            fd.num > abc                   | expected a number value or a field with a valid transformer: 'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt' | 10
            proc.name in (a,)              | expected a string value                                 | 17
            proc.name in (a                | expected a ')' token                                    | 16
            proc.aname[2 = x               | expected a ']' token                                    | 13
            proc.aname[] = x               | expected a valid field argument: a quoted string or a bare string | 12
            tolower(x) = a                 | expected field transformer argument: field, transformer, quoted string, number, or transformer list | 9
            tolower(proc.name = a          | expected a ')' token closing the transformer            | 19
            proc.name = val(x)             | expected a field within 'val' transformer               | 17
            =                              | expected a '(' token, a field check, or an identifier   | 1
            join("-", (a)) = x             | expected transformer list argument: field, transformer, quoted string, or number | 12
            join("-", x) = x               | expected field transformer argument: field, transformer, quoted string, number, or transformer list | 11
            join("-", (fd.name) = x        | expected a ')' token closing the transformer            | 21
            join("-", (fd.name x)) = x     | expected ')'                                            | 20
            join("-", ((fd.name))) = x     | expected transformer list argument: field, transformer, quoted string, or number | 12
            join() = x                     | expected field transformer argument: field, transformer, quoted string, number, or transformer list | 6
            join("-", (fd.name,)) = x      | expected transformer list argument: field, transformer, quoted string, or number | 20
            join("-", (,fd.name)) = x      | expected transformer list argument: field, transformer, quoted string, or number | 12
            join("-", (macro)) = x         | expected transformer list argument: field, transformer, quoted string, or number | 12
            """)
    void errorsCarryLibsinspMessagesAndColumns(String input, String message, int column) {
        assertThatThrownBy(() -> ConditionParser.parse(input))
                .isInstanceOf(ConditionSyntaxException.class)
                .hasMessage(message)
                .satisfies(e ->
                        assertThat(((ConditionSyntaxException) e).pos().col()).isEqualTo(column));
    }

    @Test
    void transformersOfSeveralArgumentsAreOneNodeWithTheirList() {
        Expr e = ConditionParser.parse("join(\"-\", (fd.name, 'x', 12)) = a");
        assertThat(e)
                .isEqualTo(new Expr.BinaryCheck(
                        new Expr.MultiTransform(
                                "join",
                                List.of(
                                        new Expr.Value("-"),
                                        new Expr.ArgList(List.of(
                                                Expr.Field.of("fd.name"), new Expr.Value("x"), new Expr.Value("12"))))),
                        "=",
                        new Expr.Value("a")));
        // As libsinsp's printer: literal arguments print bare, so this form does not parse back.
        assertThat(CanonicalPrinter.print(e)).isEqualTo("join(-,(fd.name,x,12)) = a");
    }

    @Test
    void emptyInputIsAnError() {
        assertThatThrownBy(() -> ConditionParser.parse("")).hasMessage("filter input string is empty");
    }

    @Test
    void errorPositionsCountLines() {
        assertThatThrownBy(() -> ConditionParser.parse("a and\nb and\n)"))
                .isInstanceOfSatisfying(ConditionSyntaxException.class, e -> {
                    assertThat(e.pos().line()).isEqualTo(3);
                    assertThat(e.pos().col()).isEqualTo(1);
                });
    }

    @Test
    void nestingIsLimitedLikeLibsinsp() {
        String deep = "(".repeat(60) + "a" + ")".repeat(60);
        assertThatThrownBy(() -> ConditionParser.parse(deep)).hasMessage("exceeded max depth limit of 100");
        assertThat(canonical("((((a))))")).isEqualTo("a");
        assertThat(CanonicalPrinter.print(ConditionParser.parse(deep, 1000))).isEqualTo("a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"proc.name containsbash", "fd.name startswith/etc"})
    void wordOperatorsNeedATrailingBlank(String input) {
        assertThatThrownBy(() -> ConditionParser.parse(input))
                .hasMessageStartingWith("expected a valid check operator");
    }

    @Test
    void operatorsAreMatchedAsPrefixesLikeLibsinsp() {
        // "in" followed directly by a name: libsinsp reads the operator "in" and the identifier "x".
        assertThat(canonical("proc.name inx")).isEqualTo("proc.name in x");
    }

    @Test
    void fieldNamesOfThousandsOfPartsAreReadWithoutRecursion() {
        // Found by RulesFileFuzzTest: a regex for field names overflowed the stack on such a name.
        String name = "proc" + ".name".repeat(20_000);
        Expr e = ConditionParser.parse(name + " = x");
        assertThat(e)
                .isInstanceOfSatisfying(
                        Expr.BinaryCheck.class, b -> assertThat(b.left()).isEqualTo(new Expr.Field(name, null)));
        assertThat(canonical("a.b_1.C9 = x")).isEqualTo("a.b_1.C9 = x");
    }
}
