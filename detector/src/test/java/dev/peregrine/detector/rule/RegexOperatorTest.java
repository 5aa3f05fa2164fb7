package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.field.FieldCatalogue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The regex operator as Falco has it (RE2, anchored at both ends), against input an attacker
 * chooses: the command line and file names of a process are the attacker's to pick.
 */
class RegexOperatorTest {
    private static final ConditionCompiler COMPILER = new ConditionCompiler(FieldCatalogue.standard());

    static EventPredicate compile(String condition) {
        return COMPILER.compile(ConditionParser.parse(condition));
    }

    static Event process(String name, String... args) {
        return Event.builder()
                .type("execve")
                .proc(ProcessInfo.builder()
                        .pid(4242)
                        .name(name)
                        .exe(name)
                        .args(List.of(args))
                        .build())
                .build();
    }

    @Test
    void matchesTheWholeValueAsFalcoDoes() {
        EventPredicate ssh = compile("proc.name regex 'ssh[a-z]*'");
        assertThat(ssh.test(process("sshd"))).isTrue();
        assertThat(ssh.test(process("xsshd"))).isFalse();
        assertThat(ssh.test(process("sshd2"))).isFalse();
        assertThat(compile("proc.cmdline regex 'curl .* sh'").test(process("curl", "-s", "x", "sh")))
                .isTrue();
    }

    @Test
    void aCommandLineCraftedForBacktrackingIsAnsweredInLinearTime() {
        // (.*a){12} against a run of a's that ends in b: a backtracking engine tries every way to
        // split the run into 12 pieces before it gives up, C(200, 12) ~ 10^17 of them (Java's
        // took 3.4 s for a run of only 24); RE2 answers in one pass. The bound only guards
        // against a hang: this is not a timing measurement.
        EventPredicate twelve = compile("proc.cmdline regex 'sh (.*a){12}'");
        Event hostile = process("sh", "a".repeat(200) + "b");
        boolean matched = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> twelve.test(hostile));
        assertThat(matched).isFalse();
        assertThat(twelve.test(process("sh", "a".repeat(200)))).isTrue();
        assertThat(twelve.test(process("sh", "a".repeat(11)))).isFalse();
    }

    @Test
    void whatRe2CannotExpressIsAClearCompileError() {
        // Lookarounds (like backreferences) need backtracking: RE2, and so Falco, refuse them.
        assertThatThrownBy(() -> compile("proc.name regex 'ssh(?=d)'"))
                .isInstanceOf(CompileException.class)
                .hasMessageStartingWith("invalid regular expression 'ssh(?=d)': ");
        assertThatThrownBy(() -> compile("proc.name regex 'ssh('"))
                .isInstanceOf(CompileException.class)
                .hasMessageContaining("ssh(");
    }
}
