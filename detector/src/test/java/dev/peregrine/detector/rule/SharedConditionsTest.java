package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.field.FieldCatalogue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A chain of and/or that several rules share is compiled once and remembers its answer for the
 * event it was last asked about; the answers are those of evaluating it anew.
 */
class SharedConditionsTest {
    private final ConditionCompiler compiler = new ConditionCompiler(FieldCatalogue.standard());

    private static Event open(String proc, String file) {
        return Event.builder()
                .type("openat")
                .rawres(3)
                .proc(ProcessInfo.builder().pid(10).name(proc).build())
                .fd(FdInfo.file(3, false, file, file))
                .build();
    }

    @Test
    void equalChainsOfTwoRulesAreOneAndAnswerEachEvent() {
        EventPredicate first = compiler.compile(
                ConditionParser.parse("(proc.name = cat and fd.name startswith /etc) and fd.num >= 0"));
        EventPredicate second =
                compiler.compile(ConditionParser.parse("(proc.name = cat and fd.name startswith /etc) or fd.num = 99"));
        EventPredicate alone = new ConditionCompiler(FieldCatalogue.standard())
                .compile(ConditionParser.parse("proc.name = cat and fd.name startswith /etc"));
        Event shadow = open("cat", "/etc/shadow");
        Event tmp = open("cat", "/tmp/x");
        Event other = open("vi", "/etc/shadow");
        for (int round = 0; round < 3; round++) {
            for (Event e : new Event[] {shadow, tmp, other, shadow, shadow, other}) {
                boolean expected = alone.test(e);
                assertThat(first.test(e)).isEqualTo(expected);
                assertThat(second.test(e)).isEqualTo(expected);
            }
        }
    }

    @Test
    void aMacroTwoRulesUseIsOneSharedChain() {
        RulesLoader.Loaded l = new RulesLoader().load(java.util.List.of(new RulesLoader.RulesSource("r.yaml", """
                        - macro: m
                          condition: proc.name = cat and fd.name startswith /etc
                        - rule: A
                          desc: d
                          condition: evt.type = openat and m and fd.num >= 0
                          output: o
                          priority: INFO
                        - rule: B
                          desc: d
                          condition: evt.type = openat and m and fd.num < 0
                          output: o
                          priority: INFO
                        """)));
        assertThat(l.result().errors()).isEmpty();
        // Expansion shares the macro's subtree; compiling it twice gives one chain, marked shared.
        dev.peregrine.detector.condition.Expr a = ((dev.peregrine.detector.condition.Expr.And)
                        l.rules().get(0).condition())
                .children()
                .get(1);
        dev.peregrine.detector.condition.Expr b = ((dev.peregrine.detector.condition.Expr.And)
                        l.rules().get(1).condition())
                .children()
                .get(1);
        assertThat(a).isSameAs(b);
        EventPredicate p = compiler.compile(a);
        assertThat(p).isInstanceOf(ConditionCompiler.Junction.class);
        assertThat(((ConditionCompiler.Junction) p).shared).isFalse();
        assertThat(compiler.compile(b)).isSameAs(p);
        assertThat(((ConditionCompiler.Junction) p).shared).isTrue();
    }

    @Test
    void aLiveEventRefilledIsAskedAnew() {
        EventPredicate a = compiler.compile(ConditionParser.parse("proc.name = cat and fd.name startswith /etc"));
        EventPredicate b = compiler.compile(
                ConditionParser.parse("(proc.name = cat and fd.name startswith /etc) or proc.name = vi"));
        Event live = Event.live();
        ProcessInfo cat = ProcessInfo.builder().pid(10).name("cat").build();
        FdInfo etc = FdInfo.file(3, false, "/etc/shadow", null);
        FdInfo tmp = FdInfo.file(3, false, "/tmp/x", null);
        for (int i = 0; i < 1_000; i++) {
            live.reset(i, i, "openat", 3);
            live.state(cat, null, i % 3 == 0 ? etc : tmp, null);
            boolean expected = i % 3 == 0;
            assertThat(a.test(live)).as("record %d", i).isEqualTo(expected);
            assertThat(b.test(live)).as("record %d", i).isEqualTo(expected);
        }
    }

    /** The remembered answer is one word: a thread never takes another thread's event's answer for its own. */
    @Test
    void threadsAskingAboutDifferentEventsGetTheirOwnAnswers() throws InterruptedException {
        EventPredicate shared = compiler.compile(ConditionParser.parse("proc.name = cat and fd.name startswith /etc"));
        compiler.compile(ConditionParser.parse("proc.name = cat and fd.name startswith /etc"));
        Event yes = open("cat", "/etc/shadow");
        Event no = open("cat", "/tmp/x");
        AtomicInteger wrong = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            Event mine = t % 2 == 0 ? yes : no;
            boolean expected = mine == yes;
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 200_000; i++) {
                    if (shared.test(mine) != expected) wrong.incrementAndGet();
                }
            });
        }
        for (Thread t : threads) t.join();
        assertThat(wrong.get()).isZero();
    }
}
