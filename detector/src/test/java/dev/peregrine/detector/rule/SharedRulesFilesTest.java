package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Falco's own rules files, unchanged, load without errors and every condition compiles. */
class SharedRulesFilesTest {
    static final Path RULES = Path.of("src/test/resources/rules");
    static final Path STABLE = RULES.resolve("falco_rules.yaml");
    static final Path INCUBATING = RULES.resolve("falco-incubating_rules.yaml");
    static final Path SANDBOX = RULES.resolve("falco-sandbox_rules.yaml");

    private final RulesLoader loader = new RulesLoader();

    @Test
    void stableFileLoadsWithNoErrorAndAllItsRules() {
        RulesLoader.Loaded loaded = loader.loadFiles(List.of(STABLE));
        assertThat(loaded.result().errors()).isEmpty();
        assertThat(loaded.rules()).hasSize(25);
        assertThat(loaded.rules()).allSatisfy(r -> assertThat(r.predicate()).isNotNull());
    }

    @Test
    void allThreeFilesLoadTogetherWithNoError() {
        RulesLoader.Loaded loaded = loader.loadFiles(List.of(STABLE, INCUBATING, SANDBOX));
        loaded.result().warnings().forEach(System.out::println);
        assertThat(loaded.result().errors()).isEmpty();
        assertThat(loaded.rules()).isNotEmpty();
        assertThat(loaded.result().warnings()).noneMatch(w -> w.code() == LoadCode.LOAD_NO_EVTTYPE);
    }

    @Test
    void eachFileLoadsAloneWithNoError() {
        for (Path p : List.of(STABLE, INCUBATING, SANDBOX)) {
            RulesLoader.Loaded loaded = loader.loadFiles(List.of(p));
            assertThat(loaded.result().errors()).as(p.toString()).isEmpty();
        }
    }

    @Test
    void bundledDefaultIsTheStableFile() {
        RulesLoader.Loaded loaded = loader.load(List.of(RulesLoader.RulesSource.bundled()));
        assertThat(loaded.result().successful()).isTrue();
        assertThat(loaded.rules()).hasSize(25);
    }
}
