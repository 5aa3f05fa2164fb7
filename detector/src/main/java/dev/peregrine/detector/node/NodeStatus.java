package dev.peregrine.detector.node;

import com.google.protobuf.Timestamp;
import dev.peregrine.contract.v1.DetectorStatus;
import dev.peregrine.detector.transport.NodeSpool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * This detector's status for the sidekick, read from what it already measures: its metrics
 * (events read, kernel drops; zero until capture has started) and its node spool.
 */
final class NodeStatus implements Supplier<DetectorStatus> {
    private final int rulesLoaded;
    private final Instant started;
    private final MeterRegistry metrics;
    private final NodeSpool spool;

    NodeStatus(int rulesLoaded, Instant started, MeterRegistry metrics, NodeSpool spool) {
        this.rulesLoaded = rulesLoaded;
        this.started = started;
        this.metrics = metrics;
        this.spool = spool;
    }

    @Override
    public DetectorStatus get() {
        FunctionCounter events = metrics.find("peregrine.detector.records").functionCounter();
        Gauge drops = metrics.find("peregrine.detector.drops").gauge();
        return DetectorStatus.newBuilder()
                .setTime(timestamp(Instant.now()))
                .setStarted(timestamp(started))
                .setRulesLoaded(rulesLoaded)
                .setEventsTotal(events == null ? 0 : (long) events.count())
                .setKernelDropsTotal(drops == null ? 0 : (long) drops.value())
                .setSpoolAlerts(spool.count())
                .setSpoolBytes(spool.bytes())
                .build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond())
                .setNanos(t.getNano())
                .build();
    }
}
