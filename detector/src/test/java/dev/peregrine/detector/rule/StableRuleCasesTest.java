package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.alert.AlertFormat;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every rule of Falco's stable file against recorded events: a sequence that fires it, with the exact
 * Falco JSON alert, and a near-miss that changes the one thing the condition checks and raises nothing.
 * Cases live in {@code replay/stable_rule_cases.jsonl}; ten expected alerts are the project's sample Falco alerts verbatim.
 */
class StableRuleCasesTest {
    private static final Path CASES = Path.of("src/test/resources/replay/stable_rule_cases.jsonl");
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String DEFAULT_HOSTNAME = "peregrine-test";

    /** One line of the fixture; {@code toString} names the parameterized test. */
    record RuleCase(String rule, String kind, JsonNode json) {
        boolean fires() {
            return json.has("alert");
        }

        @Override
        public String toString() {
            return rule + " / " + kind;
        }
    }

    static List<RuleCase> cases() throws IOException {
        List<RuleCase> out = new ArrayList<>();
        for (String line : Files.readAllLines(CASES, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) continue;
            JsonNode n = MAPPER.readTree(line);
            out.add(new RuleCase(n.get("rule").asString(), n.get("case").asString(), n));
        }
        return out;
    }

    /** Loads are cached by user rules text: most cases share the plain stable file. */
    private static final Map<String, RulesLoader.Loaded> LOADED = new ConcurrentHashMap<>();

    private static RulesLoader.Loaded load(RuleCase c) {
        String userRules = c.json().path("rules").asString("");
        RulesLoader.Loaded loaded = LOADED.computeIfAbsent(userRules, text -> {
            List<RulesLoader.RulesSource> sources = new ArrayList<>();
            try {
                sources.add(RulesLoader.RulesSource.of(SharedRulesFilesTest.STABLE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (!text.isEmpty()) sources.add(new RulesLoader.RulesSource("user_rules.yaml", text));
            return new RulesLoader().load(sources);
        });
        assertThat(loaded.result().errors()).as("load errors").isEmpty();
        return loaded;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void replaysLikeFalco(RuleCase c) throws IOException {
        RulesLoader.Loaded loaded = load(c);
        Ruleset ruleset = loaded.ruleset();
        JsonNode expected = c.json().get("alert");
        String hostname = expected != null ? expected.get("hostname").asString() : DEFAULT_HOSTNAME;
        boolean iso = c.json().path("iso_time").asBoolean(false);
        AlertFormat falco = new AlertFormat(hostname, iso, true);

        List<String> alerts = new ArrayList<>();
        Set<String> matchedByAlertingEvent = Set.of();
        for (JsonNode ev : c.json().get("events").values()) {
            Event e = EventJson.parse(MAPPER.writeValueAsString(ev));
            // Falco's default rule_matching: first; allMatches only shows which other rules were shadowed.
            CompiledRule first = ruleset.firstMatch(e);
            Set<String> all = new TreeSet<>(
                    ruleset.allMatches(e).stream().map(CompiledRule::name).toList());
            if (!c.fires()) assertThat(all).as("rules matching event %s", e.num).doesNotContain(c.rule());
            if (first != null) {
                alerts.add(falco.format(first, e).json());
                matchedByAlertingEvent = all;
            }
        }

        if (!c.fires()) {
            assertThat(alerts).as("a near-miss raises no alert").isEmpty();
            return;
        }
        assertThat(alerts).as("one alert for the sequence").hasSize(1);
        assertThat(expected.get("rule").asString()).isEqualTo(c.rule());
        CompiledRule rule = loaded.rules().stream()
                .filter(r -> r.name().equals(c.rule()))
                .findFirst()
                .orElseThrow();
        assertThat(expected.get("priority").asString())
                .isEqualTo(rule.priority().display());
        assertThat(expected.get("output").asString())
                .as("fixture output follows the rule's template")
                .isEqualTo(outputFromTemplate(rule, expected, iso));
        assertThat(MAPPER.readTree(alerts.getFirst())).isEqualTo(expected);
        // Same bytes too: Falco writes keys, output_fields and tags in sorted order.
        assertThat(alerts.getFirst()).isEqualTo(MAPPER.writeValueAsString(expected));

        Set<String> wanted = new TreeSet<>(List.of(c.rule()));
        c.json().path("shadowed").values().forEach(s -> wanted.add(s.asString()));
        assertThat(matchedByAlertingEvent)
                .as("every rule matching the alerting event")
                .isEqualTo(wanted);
    }

    @Test
    void everyStableRuleHasAFiringCaseAndANearMiss() throws IOException {
        List<RuleCase> cases = cases();
        Set<String> firing = new HashSet<>(), quiet = new HashSet<>();
        for (RuleCase c : cases) {
            if (c.json().has("rules")) continue;
            (c.fires() ? firing : quiet).add(c.rule());
        }
        List<String> rules = new RulesLoader()
                .loadFiles(List.of(SharedRulesFilesTest.STABLE)).rules().stream()
                        .map(CompiledRule::name)
                        .toList();
        assertThat(rules).hasSize(25);
        assertThat(firing).containsExactlyInAnyOrderElementsOf(rules);
        assertThat(quiet).containsExactlyInAnyOrderElementsOf(rules);
    }

    private static final Pattern FIELD = Pattern.compile("%([A-Za-z0-9_.]+(?:\\[[^\\]]*\\])?)");
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /**
     * Guards the fixture itself: its output text must be the time prefix, the priority, the rule's
     * template and Falco's container suffix with the fixture's own output_fields substituted.
     */
    private static String outputFromTemplate(CompiledRule rule, JsonNode alert, boolean iso) {
        JsonNode fields = alert.get("output_fields");
        long ts = fields.get(iso ? "evt.time.iso8601" : "evt.time").asLong();
        Instant t = Instant.ofEpochSecond(0, ts);
        String time = (iso ? ISO : CLOCK).format(t) + String.format(".%09d", t.getNano()) + (iso ? "+0000" : "");
        return time + ": " + rule.priority().display() + " " + substitute(rule.output(), fields) + " "
                + substitute(AlertFormat.SUGGESTED_SUFFIX, fields);
    }

    private static String substitute(String template, JsonNode fields) {
        Matcher m = FIELD.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String token = m.group(1);
            String name = token.replaceAll("\\.+$", "");
            JsonNode v = fields.get(name);
            assertThat(v).as("output_fields has %s", name).isNotNull();
            String text = v.isNull() ? "<NA>" : v.isString() ? v.asString() : v.toString();
            m.appendReplacement(sb, Matcher.quoteReplacement(text + token.substring(name.length())));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
