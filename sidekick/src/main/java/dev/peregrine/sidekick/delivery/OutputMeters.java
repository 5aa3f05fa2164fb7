package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Secrets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * What became of one output's deliveries: its metrics (ours, and Falcosidekick's own so that
 * existing dashboards keep working) and its last failure with its time, for the dashboard.
 */
final class OutputMeters {
    /** A failure's message (credentials masked) and when it happened. */
    record Failure(String message, Instant at) {}

    private final Clock clock;
    /** The output's credentials, masked in every message kept here. */
    private final Secrets secrets;

    private final Counter delivered;
    private final Counter failed;
    private final Counter dead;
    private final Counter sidekickOk;
    private final Counter sidekickError;
    private final Timer latency;
    private final Counter retries;
    /** One volatile pair, replaced whole. */
    private volatile Failure lastFailure;

    OutputMeters(String name, String type, MeterRegistry metrics, Clock clock, Secrets secrets) {
        this.clock = clock;
        this.secrets = secrets;
        this.retries = Counter.builder("peregrine.output.retries")
                .tag("output", name)
                .description("Delivery attempts repeated after a failure")
                .register(metrics);
        this.delivered = deliveries(metrics, name, type, "delivered");
        this.failed = deliveries(metrics, name, type, "failed");
        this.dead = deliveries(metrics, name, type, "dead");
        this.sidekickOk = sidekickOutputs(metrics, type, name, "ok");
        this.sidekickError = sidekickOutputs(metrics, type, name, "error");
        this.latency = Timer.builder("peregrine.output.delivery.latency")
                .tag("output", name)
                .description("Time from intake to delivery")
                .publishPercentileHistogram()
                .register(metrics);
    }

    private static Counter deliveries(MeterRegistry m, String name, String type, String status) {
        return Counter.builder("peregrine.output.deliveries")
                .tag("output", name)
                .tag("type", type)
                .tag("status", status)
                .description("Alerts by delivery outcome (failed: an attempt that failed)")
                .register(m);
    }

    /** Falcosidekick's own metric, so existing dashboards keep working. */
    private static Counter sidekickOutputs(MeterRegistry m, String type, String name, String status) {
        return Counter.builder("falcosecurity.falcosidekick.outputs")
                .tag("destination", type)
                .tag("output", name)
                .tag("status", status)
                .register(m);
    }

    void delivered(long acceptedAtMillis) {
        delivered.increment();
        sidekickOk.increment();
        latency.record(Math.max(0, clock.millis() - acceptedAtMillis), TimeUnit.MILLISECONDS);
    }

    /** A round of attempts failed. */
    void failedRound() {
        failed.increment();
        sidekickError.increment();
    }

    void dead() {
        dead.increment();
    }

    void retried() {
        retries.increment();
    }

    /** Keeps {@code e} as the last failure, masked: it is shown on the dashboard. */
    void failure(Throwable e) {
        String message = secrets.mask(e instanceof DeliveryException ? e.getMessage() : e.toString());
        lastFailure = new Failure(message, clock.instant());
    }

    long delivered() {
        return (long) delivered.count();
    }

    long failed() {
        return (long) failed.count();
    }

    long retries() {
        return (long) retries.count();
    }

    /** Null until a failure. */
    Failure lastFailure() {
        return lastFailure;
    }
}
