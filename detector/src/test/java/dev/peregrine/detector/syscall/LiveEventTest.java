package dev.peregrine.detector.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.condition.Expr;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.field.OutputFormat;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.rule.Ruleset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SyscallEvents} refills one live event per record and formats arguments and looks up
 * ancestors only when read. These tests hold it to what it made before, when every event was
 * built whole ({@link ScriptedSession}'s expected events), and hold the live event's fields to the
 * same event built eagerly: every field the stable, incubating and sandbox rules read or print,
 * every rule's verdict and every rule's output.
 */
class LiveEventTest {
    private static final Path RULES = Path.of("src/test/resources/rules");

    @TempDir
    Path emptyProc;

    @Test
    void eventsAreThoseTheEagerFactoryMade() throws IOException {
        List<String> expected = Files.readAllLines(ScriptedSession.EXPECTED);
        List<RawEvent> records = ScriptedSession.records();
        assertThat(records).hasSameSizeAs(expected);
        SyscallEvents factory = ScriptedSession.factory(emptyProc);
        List<Event> snapshots = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            Event e = factory.toEvent(records.get(i));
            if (expected.get(i).equals("null")) {
                assertThat(e)
                        .as("record %d (%s) makes no event", i, records.get(i))
                        .isNull();
                continue;
            }
            assertThat(e).as("record %d (%s)", i, records.get(i)).isNotNull();
            assertThat(EventJson.write(e))
                    .as("record %d (%s)", i, records.get(i))
                    .isEqualTo(expected.get(i));
            snapshots.add(e.snapshot());
        }
        // Snapshots keep their values while the live event is refilled.
        List<String> written = snapshots.stream().map(EventJson::write).toList();
        assertThat(written)
                .containsExactlyElementsOf(
                        expected.stream().filter(l -> !l.equals("null")).toList());
    }

    /**
     * When no one records events, syscalls that no stable rule looks at only update the tables:
     * the events still made are the same, numbers included.
     */
    @Test
    void recordsThatOnlyUpdateTheTablesLeaveTheOtherEventsAsTheyWere() throws IOException {
        Ruleset stable = new RulesLoader()
                .load(List.of(RulesLoader.RulesSource.bundled()))
                .ruleset();
        List<String> expected = Files.readAllLines(ScriptedSession.EXPECTED);
        List<RawEvent> records = ScriptedSession.records();
        SyscallEvents factory = ScriptedSession.factory(emptyProc);
        int skipped = 0, made = 0;
        for (int i = 0; i < records.size(); i++) {
            RawEvent r = records.get(i);
            String type = Syscalls.name(r.type);
            if (type != null && stable.candidates(type).length == 0) {
                factory.updateTables(r);
                skipped++;
                continue;
            }
            Event e = factory.toEvent(r);
            if (e != null) {
                assertThat(EventJson.write(e)).as("record %d (%s)", i, r).isEqualTo(expected.get(i));
                made++;
            }
        }
        assertThat(skipped).as("records of types no stable rule looks at").isGreaterThan(20);
        assertThat(made).isGreaterThan(30);
    }

    @Test
    void everyRuleFieldReadsTheSameFromTheLiveEventAsFromTheBuiltOne() throws IOException {
        List<Path> files = List.of(
                RULES.resolve("falco_rules.yaml"),
                RULES.resolve("falco-incubating_rules.yaml"),
                RULES.resolve("falco-sandbox_rules.yaml"));
        List<CompiledRule> rules = new RulesLoader().loadFiles(files).rules();
        // Loaded again for the built events: compiled conditions remember answers (shared macros),
        // and each set must answer its own events.
        List<CompiledRule> rulesForBuilt = new RulesLoader().loadFiles(files).rules();
        Map<String, Accessor> fields = fieldsOf(rules);
        assertThat(fields.keySet())
                .contains(
                        "evt.args",
                        "evt.arg.flags",
                        "evt.is_open_read",
                        "evt.is_open_write",
                        "evt.is_open_exec",
                        "fd.directory",
                        "fd.filename",
                        "proc.aname",
                        "proc.pname",
                        "user.name");

        List<String> expected = Files.readAllLines(ScriptedSession.EXPECTED);
        List<RawEvent> records = ScriptedSession.records();
        SyscallEvents factory = ScriptedSession.factory(emptyProc);
        int events = 0, matches = 0;
        for (int i = 0; i < records.size(); i++) {
            Event live = factory.toEvent(records.get(i));
            if (live == null) continue;
            Event built = EventJson.parse(expected.get(i));
            events++;
            for (Map.Entry<String, Accessor> f : fields.entrySet()) {
                assertThat(values(f.getValue(), live))
                        .as("%s of record %d (%s)", f.getKey(), i, live.type)
                        .isEqualTo(values(f.getValue(), built));
            }
            assertThat(live.openRead).as("evt.is_open_read of record %d", i).isEqualTo(built.openRead);
            assertThat(live.openWrite).as("evt.is_open_write of record %d", i).isEqualTo(built.openWrite);
            assertThat(live.openExec).as("evt.is_open_exec of record %d", i).isEqualTo(built.openExec);
            for (int k = 0; k < rules.size(); k++) {
                CompiledRule r = rules.get(k);
                boolean fires = rulesForBuilt.get(k).predicate().test(built);
                assertThat(r.predicate().test(live))
                        .as("rule '%s' on record %d", r.name(), i)
                        .isEqualTo(fires);
                for (String type : r.eventTypes().names()) {
                    if (type.equals(live.type)) {
                        assertThat(r.predicateFor(type).test(live))
                                .as("rule '%s' for %s on record %d", r.name(), type, i)
                                .isEqualTo(fires);
                    }
                }
                assertThat(r.outputFormat().format(live))
                        .as("output of '%s' on record %d", r.name(), i)
                        .isEqualTo(r.outputFormat().format(built));
                if (fires) matches++;
            }
        }
        assertThat(events).isGreaterThan(90);
        // The session is meant to raise alerts too, so that matching paths are compared, not only misses.
        assertThat(matches).isGreaterThan(10);
    }

    /** evt.is_open_* come from the numbers on live events, from the flag and mode names on built ones. */
    @Test
    void openBooleansFromTheNumbersAgreeWithTheNames() {
        int[] bits = {0100, 0200, 01000, 02000, 04000, 04010000, 040000, 0200000, 0100000, 02000000, 020200000};
        long[] modes = {0, 0644, 0755, 0100, 010, 01, 04000};
        SyscallEvents factory = ScriptedSession.factory(emptyProc);
        int compared = 0;
        for (int access = 0; access < 4; access++) {
            for (int set = 0; set < 1 << bits.length; set++) {
                long flags = access;
                for (int b = 0; b < bits.length; b++) if ((set & 1 << b) != 0) flags |= bits[b];
                for (long mode : modes) {
                    for (int nr : new int[] {257, 2}) {
                        KernelRecords k = new KernelRecords();
                        KernelRecords.Record r = nr == 257
                                ? k.syscall(nr, 999, "x", 3, KernelRecords.AT_FDCWD, 0, flags, mode)
                                : k.syscall(nr, 999, "x", 3, 0, flags, mode);
                        Event live = factory.toEvent(r.string("/tmp/f").add());
                        Event built = Event.builder()
                                .type(live.type)
                                .args(Map.of("flags", ArgFormat.openFlags(flags), "mode", ArgFormat.mode(mode)))
                                .build();
                        String what = Long.toOctalString(flags) + " mode " + Long.toOctalString(mode);
                        assertThat(live.openRead).as("read, %s", what).isEqualTo(built.openRead);
                        assertThat(live.openWrite).as("write, %s", what).isEqualTo(built.openWrite);
                        assertThat(live.openExec).as("exec, %s", what).isEqualTo(built.openExec);
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isEqualTo(4 * 2048 * 7 * 2);
    }

    /** Every field in the rules' conditions and outputs, by its display name, resolved as the engine resolves it. */
    private static Map<String, Accessor> fieldsOf(List<CompiledRule> rules) {
        Map<String, Accessor> out = new TreeMap<>();
        for (CompiledRule r : rules) {
            collect(r.condition(), out);
            for (OutputFormat.FieldRef f : r.outputFormat().fields()) out.put(f.key(), f.accessor());
        }
        return out;
    }

    private static void collect(Expr e, Map<String, Accessor> out) {
        switch (e) {
            case Expr.Field f ->
                out.computeIfAbsent(f.display(), k -> FieldCatalogue.standard().resolve(f.name(), f.arg()));
            case Expr.And a -> a.children().forEach(c -> collect(c, out));
            case Expr.Or o -> o.children().forEach(c -> collect(c, out));
            case Expr.Not n -> collect(n.child(), out);
            case Expr.Transform t -> collect(t.child(), out);
            case Expr.MultiTransform m -> m.args().forEach(c -> collect(c, out));
            case Expr.ArgList l -> l.items().forEach(c -> collect(c, out));
            case Expr.UnaryCheck u -> collect(u.left(), out);
            case Expr.BinaryCheck b -> {
                collect(b.left(), out);
                collect(b.right(), out);
            }
            default -> {}
        }
    }

    /** All values of a field as outputs print them (several for proc.aname and the like). */
    private static List<String> values(Accessor a, Event e) {
        List<String> out = new ArrayList<>();
        out.add(a.display(e));
        if (a.multiValued()) {
            int n = a.count(e);
            for (int i = 0; i < n; i++)
                out.add(a.type().isNumeric() ? Long.toString(a.numberAt(e, i)) : a.textAt(e, i));
        }
        return out;
    }
}
