package dev.peregrine.sidekick.intake;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts intake has taken and not yet seen made durable, across every stream and request: each
 * sits in the heap (parsed, and as the JSON the log writes) until its write completes.
 *
 * <p>At {@code maxAlerts} or {@code maxBytes} of payload, the gRPC intake stops reading its streams
 * ({@link #readable}, {@link #paused}): what detectors send beyond that waits in HTTP/2 flow control,
 * that is in their node spools, and they are not told to go away, so an overload does not turn into
 * a storm of resends. An HTTP request cannot be held like that: it is refused there
 * ({@link IntakeFullException}: 503 with Retry-After). Alerts already on their way on a stream (its
 * window, asked for before the bound was reached) are still taken, up to {@link #STREAM_OVERSHOOT}
 * times the bound; only beyond that does a stream get RETRY_LATER.
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
    /** A stream stopped reading for the bound and waits for {@link #onRoom}. */
    private final AtomicBoolean someonePaused = new AtomicBoolean();

    private volatile Runnable onRoom = () -> {};

    /** How far beyond the bound alerts already read from streams are still taken. */
    static final int STREAM_OVERSHOOT = 4;

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

    /**
     * Counts an alert of {@code size} payload bytes in, or refuses it when the bound is reached
     * ({@link #STREAM_OVERSHOOT} times the bound for an alert read from a stream). One alert is
     * always taken when none waits, however large.
     *
     * @param streamed read from a gRPC stream, whose reading stops at the bound
     * @throws IntakeFullException nothing counted
     */
    void take(long size, boolean streamed) {
        long n = alerts.incrementAndGet();
        long b = bytes.addAndGet(size);
        long factor = streamed ? STREAM_OVERSHOOT : 1;
        if (n > 1 && (n > limit(maxAlerts, factor) || b > limit(maxBytes, factor))) {
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

    private static long limit(long bound, long factor) {
        return bound > Long.MAX_VALUE / factor ? Long.MAX_VALUE : bound * factor;
    }

    /** The alert taken with {@code size} is durable, or failed: it no longer waits. */
    void settled(long size) {
        alerts.decrementAndGet();
        bytes.addAndGet(-size);
        wakeIfRoom();
    }

    /** Whether streams may be read further: below the bound. */
    public boolean readable() {
        return alerts.get() < maxAlerts && bytes.get() < maxBytes;
    }

    /** Runs {@code r} (once per {@link #paused}) when alerts fall below the bound again. */
    void onRoom(Runnable r) {
        onRoom = r;
    }

    /** A stream stopped reading at the bound: {@link #onRoom} runs once there is room again. */
    void paused() {
        someonePaused.set(true);
        wakeIfRoom(); // the room may have come back between the check and now
    }

    private void wakeIfRoom() {
        if (someonePaused.get() && readable() && someonePaused.compareAndSet(true, false)) {
            onRoom.run();
        }
    }

    /** The bound on waiting alerts (peregrine.intake.max-waiting-alerts). */
    public long maxAlerts() {
        return maxAlerts;
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
