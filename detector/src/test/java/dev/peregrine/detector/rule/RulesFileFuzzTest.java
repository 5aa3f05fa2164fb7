package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/**
 * Mutated rules files, loaded from disk as {@code rules validate} loads them. For every mutant the
 * loader must return, neither throwing nor hanging, and either load it or refuse it with errors
 * that say where: the file, a line within it and a column. A mutant that loads is evaluated on
 * the recorded events, which must not throw either.
 *
 * <p>{@code -Dperegrine.fuzz.rulesFiles=N} sets how many mutants (300, the full count, by
 * default; CI runs the default) and {@code -Dperegrine.fuzz.seed=S} the run's seed. Mutant
 * {@code i} depends only on the seed and {@code i}, so a run is reproducible; a failing mutant is
 * also written to {@code target/fuzz-failures/} for a look at it.
 */
class RulesFileFuzzTest {
    private static final int FILES = Integer.getInteger("peregrine.fuzz.rulesFiles", 300);
    private static final long SEED = Long.getLong("peregrine.fuzz.seed", 20261206L);
    /** A hang guard, not a performance bound: a mutant loads in milliseconds. */
    private static final Duration HANG = Duration.ofSeconds(60);

    private static final Path SEED_FILE = Path.of("src/test/resources/fuzz/rules-seed.yaml");
    private static final Path FALCO_STABLE = Path.of("src/test/resources/rules/falco_rules.yaml");

    @Test
    void theSeedsLoadCleanly() {
        for (Path seed : List.of(SEED_FILE, FALCO_STABLE)) {
            RulesLoader.Loaded l = new RulesLoader().loadFiles(List.of(seed));
            assertThat(l.result().errors()).as(seed.toString()).isEmpty();
            assertThat(l.rules()).as(seed.toString()).isNotEmpty();
        }
    }

    @Test
    void mutatedRulesFilesLoadOrAreRefusedAtAPosition(@TempDir Path dir) throws IOException {
        byte[] small = Files.readAllBytes(SEED_FILE);
        byte[] stable = Files.readAllBytes(FALCO_STABLE);
        List<Event> events = recordedEvents();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            Random random = new Random(SEED * 1_000_003L + i);
            // Most mutants come from the small seed, whose every line matters; some from Falco's file.
            byte[] mutant = new RulesFileMutator(random).mutate(random.nextInt(4) == 0 ? stable : small);
            Path file = dir.resolve("mutant-" + i + ".yaml");
            Files.write(file, mutant);
            String problem = problem(file, mutant, events, outcomes);
            if (problem != null) {
                failures.add("mutant " + i + ": " + problem);
                keep(file, i);
            }
        }
        System.out.printf("%d mutated rules files (seed %d): %s%n", FILES, SEED, outcomes);
        assertThat(failures)
                .as("mutants that crashed, hung or failed without a position")
                .isEmpty();
        if (FILES >= 300) {
            // The mutants reach every stage of the loader, not only the YAML parser.
            assertThat(outcomes)
                    .containsKeys(
                            "loaded",
                            LoadCode.LOAD_ERR_YAML_PARSE.name(),
                            LoadCode.LOAD_ERR_YAML_VALIDATE.name(),
                            LoadCode.LOAD_ERR_VALIDATE.name(),
                            LoadCode.LOAD_ERR_COMPILE_CONDITION.name());
        }
    }

    /** What is wrong with loading {@code file}, or null; the outcome is counted. */
    private static String problem(Path file, byte[] content, List<Event> events, Map<String, Integer> outcomes) {
        RulesLoader.Loaded l;
        try {
            l = assertTimeoutPreemptively(HANG, () -> new RulesLoader().loadFiles(List.of(file)));
        } catch (AssertionFailedError e) {
            return "no answer within " + HANG;
        } catch (Throwable t) {
            return "the loader threw " + stackTrace(t);
        }
        List<LoadMessage> errors = l.result().errors();
        outcomes.merge(errors.isEmpty() ? "loaded" : errors.getFirst().code().name(), 1, Integer::sum);
        if (errors.isEmpty()) {
            try {
                Ruleset ruleset = l.ruleset();
                for (Event e : events) ruleset.allMatches(e);
            } catch (Throwable t) {
                return "a loaded mutant threw on a recorded event: " + stackTrace(t);
            }
            return null;
        }
        // Lines as editors count them: ended by '\n' or by '\r' alone, not by U+0085, U+2028 or U+2029.
        int lines = 1;
        for (int i = 0; i < content.length; i++) {
            if (content[i] == '\n' || (content[i] == '\r' && (i + 1 == content.length || content[i + 1] != '\n')))
                lines++;
        }
        for (LoadMessage m : errors) {
            var c = m.context();
            if (!c.file().equals(file.toString()) || c.line() < 1 || c.line() > lines || c.column() < 1)
                return "an error without a position in the file (" + lines + " lines): " + m;
        }
        return null;
    }

    private static List<Event> recordedEvents() throws IOException {
        List<Event> events = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(Path.of("src/test/resources/replay/stable_events.jsonl"))) {
            EventJson.readLines(in, events::add);
        }
        assertThat(events).isNotEmpty();
        return events;
    }

    private static void keep(Path file, int index) throws IOException {
        Path failures = Path.of("target/fuzz-failures");
        Files.createDirectories(failures);
        Files.copy(
                file,
                failures.resolve("seed-" + SEED + "-mutant-" + index + ".yaml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }
}
