package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/**
 * What the loader's tests do with a small rules text: load it as the one file rules.yaml, and take
 * the one error a bad text must give, to assert its code, message and place on.
 */
final class RulesText {
    private RulesText() {}

    static RulesLoader.Loaded load(String content) {
        return new RulesLoader().load(List.of(new RulesLoader.RulesSource("rules.yaml", content)));
    }

    /** The only error of a load; fails the test when there is none or more than one. */
    static LoadMessage onlyError(RulesLoader.Loaded loaded) {
        assertThat(loaded.result().errors()).hasSize(1);
        return loaded.result().errors().getFirst();
    }
}
