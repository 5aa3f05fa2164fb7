package dev.peregrine.sidekick.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Alerts with a new rule and hostname each, as an attacker would post them: the series they make
 * stay within the configured limits, and every alert is still counted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MetricCardinalityTest {
    static final int ALERTS = 300;

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.metrics.max-label-values.rule", () -> "20");
        r.add("peregrine.metrics.max-label-values.hostname", () -> "30");
        r.add("peregrine.metrics.max-label-values.k8s-pod-name", () -> "10");
        r.add("peregrine.metrics.max-series", () -> "50");
        r.add("spring.grpc.server.port", () -> "0");
    }

    @Test
    void distinctRulesAndHostnamesMakeBoundedSeries() throws Exception {
        Http http = new Http(port);
        for (int i = 0; i < ALERTS; i++) {
            String body = "{\"rule\":\"rule " + i + "\",\"priority\":\"Warning\",\"hostname\":\"host-" + i
                    + "\",\"source\":\"syscall\",\"output_fields\":{\"k8s.pod.name\":\"pod-" + i + "\"}}";
            assertThat(http.postJson("/", body).statusCode()).isEqualTo(200);
        }
        String metrics = http.get("/metrics").body();
        List<String> series = metrics.lines()
                .filter(l -> l.startsWith("falcosecurity_falcosidekick_falco_events_total{"))
                .toList();
        assertThat(series).hasSizeLessThanOrEqualTo(51);
        assertThat(series.stream().filter(l -> l.contains("rule=\"other\""))).isNotEmpty();
        double total = 0;
        Pattern value = Pattern.compile(" (\\S+)$");
        for (String l : series) {
            Matcher m = value.matcher(l);
            assertThat(m.find()).isTrue();
            total += Double.parseDouble(m.group(1));
        }
        assertThat(total).as("every alert counted").isEqualTo(ALERTS);
        assertThat(metrics).containsPattern("peregrine_metric_label_overflows_total\\{label=\"rule\"} [1-9]");
        assertThat(metrics.lines()
                        .filter(l -> l.contains("k8s_pod_name=\"pod-"))
                        .map(l -> l.replaceAll(".*k8s_pod_name=\"(pod-\\d+)\".*", "$1"))
                        .distinct())
                .hasSizeLessThanOrEqualTo(10);
    }
}
