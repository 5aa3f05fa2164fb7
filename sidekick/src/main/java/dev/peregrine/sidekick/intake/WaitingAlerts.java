package dev.peregrine.sidekick.intake;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts intake has taken and not yet seen made durable, across every stream and request: each
 * sits in the heap (parsed, and as the JSON the log writes) until its write completes. Beyond
 * {@code maxAlerts} or {@code maxBytes} of payload, intake refuses ({@link IntakeFullException}):
 * gRPC answers RETRY_LATER, HTTP 503 with Retry-After, and the senders keep the alerts (a
 * detector's node spool) and come back after their backoff.
 *
 * <p>Per stream the gRPC intake already reads only a window of alerts ahead of its acks; this is
 * the bound over all of them, for thousands of streams at once.
 */
public final class WaitingAlerts {
    private static final Logger log = LoggerFactory.getLogger(WaitingAlerts.class);

    private final long maxAlerts;
    private final long maxBytes;
    private final AtomicLong alerts = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    /** Refusals since the bound was last reached; 0 while taking alerts. */
    private final AtomicLong refusals = new AtomicLong();

    public WaitingAlerts(long maxAlerts, long maxBytes, MeterRegistry metrics) {
        if (maxAlerts < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("the bounds on waiting alerts must be positive, not " + maxAlerts
                    + " alerts / " + maxBytes + " bytes");
        }
        this.maxAlerts = maxAlerts;
        this.maxBytes = maxBytes;
        Gauge.builder("peregrine.intake.waiting", alerts, AtomicLong::get)
                .description("Alerts taken by intake and not yet durable (peregrine.intake.max-waiting-alerts)")
                .register(metrics);
        Gauge.builder("peregrine.intake.waiting.size", bytes, AtomicLong::get)
                .baseUnit("bytes")
                .description("Payload of the alerts taken and not yet durable (peregrine.intake.max-waiting-bytes)")
                .register(metrics);
    }

    /** No bound (tests and tools that build an Intake by hand). */
    static WaitingAlerts unbounded(MeterRegistry metrics) {
        return new WaitingAlerts(Long.MAX_VALUE, Long.MAX_VALUE, metrics);
    }

    /**
     * Counts an alert of {@code size} payload bytes in, or refuses it when the bound is reached.
     * One alert is always taken when none waits, however large.
     *
     * @throws IntakeFullException nothing counted
     */
    void take(long size) {
        long n = alerts.incrementAndGet();
        long b = bytes.addAndGet(size);
        if (n > 1 && (n > maxAlerts || b > maxBytes)) {
            alerts.decrementAndGet();
            bytes.addAndGet(-size);
            if (refusals.getAndIncrement() == 0) {
                log.warn(
                        "intake refuses alerts for now: {} alerts ({} bytes) wait to be made durable, the bound is"
                                + " {} alerts / {} bytes (peregrine.intake.max-waiting-alerts, max-waiting-bytes);"
                                + " senders retry later",
                        n - 1,
                        b - size,
                        maxAlerts,
                        maxBytes);
            }
            throw new IntakeFullException("intake is full: " + (n - 1) + " alerts wait to be made durable"
                    + " (peregrine.intake.max-waiting-alerts " + maxAlerts + ", max-waiting-bytes " + maxBytes
                    + "); retry later");
        }
        if (n > peak.get()) {
            peak.accumulateAndGet(n, Math::max);
        }
        if (refusals.get() > 0) {
            long refused = refusals.getAndSet(0);
            if (refused > 0) {
                log.info("intake takes alerts again after refusing {} for the bound on waiting alerts", refused);
            }
        }
    }

    /** The alert taken with {@code size} is durable, or failed: it no longer waits. */
    void settled(long size) {
        alerts.decrementAndGet();
        bytes.addAndGet(-size);
    }

    /** Alerts waiting now. */
    public long alerts() {
        return alerts.get();
    }

    /** Payload bytes waiting now. */
    public long bytes() {
        return bytes.get();
    }

    /** The most alerts that waited at once since start. */
    public long peak() {
        return peak.get();
    }
}
