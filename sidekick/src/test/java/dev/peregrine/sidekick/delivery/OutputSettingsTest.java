package dev.peregrine.sidekick.delivery;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputSettingsTest {

    @Test
    void defaultsAreWhatAnOutputThatSetsNothingElseIsBoundWith() {
        OutputSettings bound = bind(Map.of(
                        "peregrine.outputs.siem.type", "webhook", "peregrine.outputs.siem.url", "http://siem:8080"))
                .getFirst()
                .settings();

        assertThat(OutputSettings.defaults("webhook")).isEqualTo(bound);
    }

    @Test
    void withParallelismChangesOnlyTheParallelism() {
        OutputSettings one = OutputSettings.defaults("stdout").withParallelism(1);

        assertThat(one.parallelism()).isEqualTo(1);
        assertThat(one.withParallelism(OutputSettings.defaults("stdout").parallelism()))
                .isEqualTo(OutputSettings.defaults("stdout"));
    }
}
