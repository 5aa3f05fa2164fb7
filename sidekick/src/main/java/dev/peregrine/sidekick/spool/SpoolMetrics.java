package dev.peregrine.sidekick.spool;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Collection;

/** Per-output queue depth and size, and how full the disk budget is. */
public final class SpoolMetrics implements MeterBinder {
    private final Spool spool;
    private final Collection<String> outputs;

    public SpoolMetrics(Spool spool, Collection<String> outputs) {
        this.spool = spool;
        this.outputs = outputs;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String o : outputs) {
            Gauge.builder("peregrine.spool.depth", spool, s -> s.depth(o))
                    .tag("output", o)
                    .description("Alerts waiting for delivery")
                    .register(registry);
            Gauge.builder("peregrine.spool.size", spool, s -> s.bytes(o))
                    .tag("output", o)
                    .baseUnit("bytes")
                    .description("Payload bytes waiting for delivery")
                    .register(registry);
            Gauge.builder("peregrine.spool.dead", spool, s -> s.deadByOutput().getOrDefault(o, 0L))
                    .tag("output", o)
                    .description("Alerts the destination refused for good, kept (see /actuator/deadletters)")
                    .register(registry);
        }
        Gauge.builder("peregrine.spool.used", spool, Spool::totalBytes)
                .baseUnit("bytes")
                .description("Payload bytes in the spool, all outputs")
                .register(registry);
        Gauge.builder("peregrine.spool.limit", spool, Spool::maxBytes)
                .baseUnit("bytes")
                .description("Disk budget (peregrine.spool.max-bytes)")
                .register(registry);
        Gauge.builder("peregrine.spool.full", spool, s -> s.full() ? 1 : 0)
                .description("1 while intake refuses alerts because the budget is used up")
                .register(registry);
    }
}
