package dev.peregrine.detector.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnomalySettingsFileTest {
    @TempDir
    Path dir;

    AnomalySettings read(String yaml) throws IOException {
        return AnomalySettingsFile.read(
                Files.writeString(dir.resolve("detector.yaml"), yaml), AnomalySettings.defaults());
    }

    @Test
    void givenKeysOverrideTheDefaults() throws IOException {
        AnomalySettings s = read("""
                anomaly:
                  learning: 2h
                  window: 30s
                  threshold: 0.8
                  relearn: 1d
                  key-by: image
                  sensitive-paths: [/etc/shadow]
                """);
        assertThat(s.learning()).isEqualTo(Duration.ofHours(2));
        assertThat(s.window()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.threshold()).isEqualTo(0.8);
        assertThat(s.relearn()).isEqualTo(Duration.ofDays(1));
        assertThat(s.keyBy()).isEqualTo(WorkloadKey.KeyBy.IMAGE);
        assertThat(s.sensitivePaths()).containsExactly("/etc/shadow");
        assertThat(s.trees()).isEqualTo(AnomalySettings.defaults().trees());
    }

    @Test
    void anUnknownKeyIsNamedInFull() {
        assertThatThrownBy(() -> read("anomaly:\n  windw: 10s\n"))
                .hasMessageStartingWith("anomaly.windw: unknown setting");
    }

    @Test
    void aBadValueIsNamedWithItsKeyAndTheReason() {
        assertThatThrownBy(() -> read("anomaly:\n  window: ten\n"))
                .hasMessage("anomaly.window: expected a duration such as 60s, 5m, 2h or 1d, got 'ten'");
        assertThatThrownBy(() -> read("anomaly:\n  threshold: 1.5\n"))
                .hasMessageStartingWith("anomaly.threshold: expected a score between 0 and 1");
        assertThatThrownBy(() -> read("anomaly:\n  max-profiles: 0\n"))
                .hasMessageStartingWith("anomaly.max-profiles: expected a whole number of at least 1");
        assertThatThrownBy(() -> read("anomaly:\n  sensitive-paths: [etc/shadow]\n"))
                .hasMessage("anomaly.sensitive-paths: 'etc/shadow' is not an absolute path");
    }

    @Test
    void aFileWithoutAnAnomalySectionKeepsTheDefaults() throws IOException {
        assertThat(read("other: 1\n")).isEqualTo(AnomalySettings.defaults());
    }
}
