package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.condition.CanonicalPrinter;
import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Conditions seen by one event type: evt.type checks decided, nothing else changed. */
class EventTypeFoldingTest {
    private static String fold(String condition, String type) {
        EventTypeFolding.Folded f = EventTypeFolding.fold(ConditionParser.parse(condition), type);
        return f.isConstant() ? f.constant().toString() : CanonicalPrinter.print(f.expr());
    }

    @Test
    void typeChecksBecomeConstantsAndTheRestIsKept() {
        // Falco's outbound macro, shortened.
        String outbound =
                "(evt.type = connect or (evt.type in (sendto, sendmsg) and fd.l4proto != tcp)) and fd.typechar = 4";
        assertThat(fold(outbound, "connect")).isEqualTo("fd.typechar = 4");
        assertThat(fold(outbound, "sendto")).isEqualTo("(fd.l4proto != tcp and fd.typechar = 4)");
        assertThat(fold(outbound, "open")).isEqualTo("false");
        assertThat(fold("evt.type in (execve, execveat)", "execve")).isEqualTo("true");
        assertThat(fold("not evt.type = open and proc.name = x", "openat")).isEqualTo("proc.name = x");
        assertThat(fold("evt.type != open or proc.name = x", "open")).isEqualTo("proc.name = x");
        // Operators whose answer is not decided by the type name alone stay as they are.
        assertThat(fold("evt.type startswith open and proc.name = x", "openat"))
                .isEqualTo("(evt.type startswith open and proc.name = x)");
        assertThat(fold("evt.type exists and proc.name = x", "openat"))
                .isEqualTo("(evt.type exists and proc.name = x)");
    }

    @Test
    void typedPredicatesAgreeWithTheFullConditionOnRecordedEvents() throws IOException {
        List<Event> events = new ArrayList<>();
        JsonMapper mapper = JsonMapper.builder().build();
        for (String line : Files.readAllLines(Path.of("src/test/resources/replay/stable_rule_cases.jsonl"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            for (JsonNode ev : mapper.readTree(line).get("events").values())
                events.add(EventJson.parse(mapper.writeValueAsString(ev)));
        }
        List<CompiledRule> rules = new RulesLoader()
                .loadFiles(List.of(
                        SharedRulesFilesTest.STABLE, SharedRulesFilesTest.INCUBATING, SharedRulesFilesTest.SANDBOX))
                .rules();
        int compared = 0, matched = 0;
        for (CompiledRule r : rules) {
            for (Event e : events) {
                if (!r.eventTypes().contains(e.type)) continue;
                boolean full = r.predicate().test(e);
                assertThat(r.predicateFor(e.type).test(e))
                        .as("%s on event %d", r.name(), e.num)
                        .isEqualTo(full);
                compared++;
                if (full) matched++;
            }
        }
        assertThat(compared).isGreaterThan(1000);
        assertThat(matched).isGreaterThan(25);
    }
}
