package dev.peregrine.detector.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ItemSetTest {
    @Test
    void aFullSetStopsLearningAndReportsNothingAsNew() {
        ItemSet s = new ItemSet(2);
        assertThat(s.add("/bin/a")).isTrue();
        assertThat(s.add("/bin/a")).isFalse();
        assertThat(s.isNew("/bin/b")).isTrue();
        assertThat(s.add("/bin/b")).isTrue();
        assertThat(s.saturated()).isFalse();
        assertThat(s.add("/bin/c")).as("over the cap").isFalse();
        assertThat(s.saturated()).isTrue();
        assertThat(s.size()).isEqualTo(2);
        // It cannot tell a new item from one it had no room for: it reports none.
        assertThat(s.isNew("/bin/c")).isFalse();
        assertThat(s.isNew("/bin/z")).isFalse();
        s.clear();
        assertThat(s.saturated()).isFalse();
        assertThat(s.isNew("/bin/z")).isTrue();
    }
}
