package dev.peregrine.sidekick.intake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts rejected input by reason and logs the first of each kind only, so a misbehaving sender
 * cannot flood the log.
 */
public final class Rejections {
    private static final Logger log = LoggerFactory.getLogger(Rejections.class);

    private final MeterRegistry metrics;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public Rejections(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    public void record(String input, String reason, String detail) {
        count(input, reason);
        if (logged.add(input + "/" + reason)) {
            log.warn(
                    "rejected {} input ({}): {} (further rejections of this kind are counted in"
                            + " peregrine_intake_rejections_total, not logged)",
                    input,
                    reason,
                    detail);
        }
    }

    /** Counts without logging, for refusals something else logs (the spool logs when it is full). */
    public void count(String input, String reason) {
        counters.computeIfAbsent(
                        input + "/" + reason,
                        k -> Counter.builder("peregrine.intake.rejections")
                                .tag("input", input)
                                .tag("reason", reason)
                                .description("Input refused, by reason")
                                .register(metrics))
                .increment();
    }
}
