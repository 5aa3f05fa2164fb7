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
    }

    @Test
    void busyboxAppletsAreToldApartByName() {
        ProcessInfo httpd =
                ProcessInfo.builder().name("httpd").exepath("/proc/self/exe").build();
        assertThat(Novelty.exe(httpd)).isEqualTo("/proc/self/exe (httpd)");
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
