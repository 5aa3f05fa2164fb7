package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.field.FieldCatalogue;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hot path allocates nothing: deciding that an event raises no alert must not create garbage,
 * or the detector's GC work would grow with the syscall rate. The JMH benchmark measures the same
 * on a larger mix (bench/, RulesEngineBenchmark with -prof gc).
 */
class RulesetAllocationTest {
    @Test
    void nonMatchingEventsAllocateNothing() throws IOException {
        JsonMapper mapper = JsonMapper.builder().build();
        List<Event> quiet = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/replay/stable_rule_cases.jsonl"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            JsonNode c = mapper.readTree(line);
            if (c.has("alert") || c.has("rules")) continue;
            for (JsonNode ev : c.get("events").values()) quiet.add(EventJson.parse(mapper.writeValueAsString(ev)));
        }
        // IPv6 sockets go through the network checks of the outbound macros too.
        for (String server : List.of("2001:db8::1", "::1")) {
            quiet.add(Event.builder()
                    .num(90_000)
                    .type("connect")
                    .rawres(0)
                    .proc(ProcessInfo.builder()
                            .pid(31_000)
                            .name("curl")
                            .exe("curl")
                            .exepath("/usr/bin/curl")
                            .build())
                    .fd(FdInfo.builder()
                            .num(5)
                            .type("ipv6")
                            .l4proto("tcp")
                            .client("fe80::1", 40_000)
                            .server(server, 443)
                            .connected(true)
                            .build())
                    .build());
        }
        Ruleset ruleset = new RulesLoader()
                .loadFiles(List.of(SharedRulesFilesTest.STABLE))
                .ruleset();
        Event[] events = quiet.toArray(Event[]::new);
        assertThat(events.length).isGreaterThan(20);
        for (Event e : events)
            assertThat(ruleset.firstMatch(e)).as("event %d", e.num).isNull();

        var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        int rounds = 5_000;
        int matches = run(ruleset, events, rounds); // warm-up: interpreter and JIT tiers
        long before = threads.getThreadAllocatedBytes(thread);
        matches += run(ruleset, events, rounds);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(matches).isZero();
        long evaluated = (long) rounds * events.length;
        assertThat(allocated).as("bytes allocated over %d events", evaluated).isLessThan(evaluated / 100);
    }

    @Test
    void ipv6NetworkChecksAllocateNothing() {
        EventPredicate p = new ConditionCompiler(FieldCatalogue.standard())
                .compile(
                        ConditionParser.parse(
                                "fd.snet in (\"2001:db8::/32\", \"10.0.0.0/8\") and fd.sip != \"::2\" and fd.net != \"fe80::/10\""));
        Event v6 = Event.builder()
                .type("connect")
                .rawres(0)
                .fd(FdInfo.builder()
                        .num(5)
                        .type("ipv6")
                        .l4proto("tcp")
                        .client("fd00::1", 40_000)
                        .server("2001:db8::7", 443)
                        .build())
                .build();
        assertThat(p.test(v6)).isTrue();
        var threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        int hits = 0;
        for (int i = 0; i < 100_000; i++) if (p.test(v6)) hits++;
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) if (p.test(v6)) hits++;
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(hits).isEqualTo(200_000);
        assertThat(allocated).as("bytes allocated over 100000 evaluations").isLessThan(1_000);
    }

    private static int run(Ruleset ruleset, Event[] events, int rounds) {
        int matches = 0;
        for (int i = 0; i < rounds; i++) {
            for (Event e : events) if (ruleset.firstMatch(e) != null) matches++;
        }
        return matches;
    }
}
