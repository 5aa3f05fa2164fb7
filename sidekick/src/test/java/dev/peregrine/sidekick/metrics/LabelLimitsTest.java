package dev.peregrine.sidekick.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelLimitsTest {
    static SimpleMeterRegistry registry(LabelLimits limits) {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        r.config().meterFilter(limits);
        limits.bindTo(r);
        return r;
    }

    static void count(SimpleMeterRegistry r, String rule, String host) {
        Counter.builder("events")
                .tag("rule", rule)
                .tag("hostname", host)
                .tag("priority", "Warning")
                .register(r)
                .increment();
    }

    @Test
    void valuesBeyondALabelsLimitAreCountedAsOther() {
        SimpleMeterRegistry r = registry(new LabelLimits(Map.of("rule", 3, "hostname", 100), 1_000));
        for (int i = 0; i < 10; i++) {
            count(r, "rule-" + i, "h");
        }
        count(r, "rule-1", "h"); // admitted before: still itself
        assertThat(r.find("events").counters()).hasSize(4);
        assertThat(r.get("events").tag("rule", "other").counter().count()).isEqualTo(7);
        assertThat(r.get("events").tag("rule", "rule-1").counter().count()).isEqualTo(2);
        assertThat(r.get("peregrine.metric.label.overflows")
                        .tag("label", "rule")
                        .functionCounter()
                        .count())
                .isEqualTo(7);
        // A label without a limit, and a meter without limited labels, are left alone.
        assertThat(r.get("events").tag("priority", "Warning").counters()).hasSize(4);
    }

    @Test
    void aMetricKeepsAtMostMaxSeriesEvenWithinEachLabelsLimit() {
        SimpleMeterRegistry r = registry(new LabelLimits(Map.of("rule", 10, "hostname", 10), 20));
        for (int rule = 0; rule < 10; rule++) {
            for (int host = 0; host < 10; host++) {
                count(r, "rule-" + rule, "host-" + host);
            }
        }
        // 100 combinations within the label limits; the first 20 kept, the rest in one series.
        assertThat(r.find("events").counters()).hasSize(21);
        assertThat(r.get("events")
                        .tag("rule", "other")
                        .tag("hostname", "other")
                        .counter()
                        .count())
                .isEqualTo(80);
        double total =
                r.find("events").counters().stream().mapToDouble(Counter::count).sum();
        assertThat(total).as("every event still counted").isEqualTo(100);
    }
}
