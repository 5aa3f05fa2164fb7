package dev.peregrine.detector.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.event.ProcessInfo;
import org.junit.jupiter.api.Test;

class NoveltyTest {
    @Test
    void aWrittenPathIsLearntByItsLeadingDirectories() {
        assertThat(Novelty.prefix("/var/log/nginx/access.log", 2)).isEqualTo("/var/log");
        assertThat(Novelty.prefix("/var/log/nginx/access.log", 3)).isEqualTo("/var/log/nginx");
        assertThat(Novelty.prefix("/tmp/x", 2)).isEqualTo("/tmp");
        assertThat(Novelty.prefix("/x", 2)).isEqualTo("/");
        assertThat(Novelty.prefix("/proc/1234/attr/current", 2)).isEqualTo("/proc/N");
        assertThat(Novelty.prefix("/data/out.1796531903.gz", 2)).isEqualTo("/data");
        assertThat(Novelty.prefix("/tmp/junit-9858018230607778154/ledger.db", 2))
                .isEqualTo("/tmp/junitN");
        assertThat(Novelty.prefix("/tmp/tool_31ed5343-37ae-4b60-b323-8ff9190fe910/out", 2))
                .isEqualTo("/tmp/tool_N");
        assertThat(Novelty.prefix("/var/lib/db/data/wal", 3)).isEqualTo("/var/lib/db");
    }

    @Test
    void busyboxAppletsAreToldApartByName() {
        ProcessInfo nc = ProcessInfo.builder()
                .name("exe")
                .exe("nc")
                .exepath("/proc/self/exe")
                .build();
        assertThat(Novelty.exe(nc)).isEqualTo("/proc/self/exe (nc)");
        assertThat(Novelty.name(nc)).as("in explanations").isEqualTo("nc");
        assertThat(Novelty.exe(
                        ProcessInfo.builder().name("sh").exepath("/bin/sh").build()))
                .isEqualTo("/bin/sh");
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertThat(Novelty.duration(45_000_000_000L)).isEqualTo("45 s");
        assertThat(Novelty.duration(12 * 60_000_000_000L)).isEqualTo("12 min");
        assertThat(Novelty.duration(2 * 3_600_000_000_000L)).isEqualTo("2 h");
        assertThat(Novelty.duration(9 * 3_600_000_000_000L / 2)).isEqualTo("4.5 h");
        assertThat(Novelty.duration(3 * 86_400_000_000_000L)).isEqualTo("3 d");
    }
}
