package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the store from intake without ever holding intake up: {@link #record} only adds the alert
 * to a bounded lock-free queue (no lock that the writer could hold while intake waits), and one
 * thread writes what has queued in batches (and enforces retention between them). That thread runs
 * at the lowest CPU priority (Linux's idle class, or nice 19: {@link ThreadNice}): when intake is busy it lags rather than slow
 * intake down, and says so ({@code peregrine.store.lag}, {@code peregrine.store.queue}). The queue
 * holds each alert's JSON only (the writer reads the alert back from it) and is bounded in alerts
 * and in bytes: a backlog is what the garbage collector has to carry, and at 100,000 parsed alerts
 * its full collections cost intake far more than the store does (docs/benchmarks.md). When the queue is full, because the store is slower
 * than intake or down, the alert is still delivered but left out of the store: counted per {@link
 * LeftOut} reason, logged the first time for each, and shown by {@link #leftOut()}. A batch is written once its oldest alert has waited {@link
 * #BATCH_WAIT} or {@link #MAX_BATCH} have queued: a transaction per few alerts would cost more
 * than the alerts (every index's pages and the full-text index's segments written each time).
 */
public final class AlertRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertRecorder.class);
    private static final int MAX_BATCH = 2000;
    static final Duration BATCH_WAIT = Duration.ofMillis(200);
    /** As low as Linux goes: the writer runs on what the rest of the sidekick leaves idle. */
    private static final int NICE = 19;

    /**
     * An accepted alert waiting for the store: its JSON only, parsed again by the writer. A backlog
     * is then one byte array per alert for the collector to copy, not the parsed alert's few dozen
     * objects (its map of fields, their strings); parsing costs the writer's idle-class thread, not
     * intake's.
     */
    private record Waiting(byte[] body, List<String> outputs, String muted, long queuedNanos) {}

    /** An alert the store has just written, for the live view. */
    public record Stored(long id, Alert alert, String muted) {}

    /**
     * Why an accepted (and delivered) alert is not in the store: the tag {@code reason} of {@code
     * peregrine.store.dropped}; {@link #FAILED} is {@code peregrine.store.failed}.
     */
    public enum LeftOut {
        /** {@code peregrine.ui.store.queue} alerts were waiting already. */
        QUEUE_ALERTS("queue_alerts", "peregrine.ui.store.queue"),
        /** Their JSON came to {@code peregrine.ui.store.queue-bytes} already. */
        QUEUE_BYTES("queue_bytes", "peregrine.ui.store.queue-bytes"),
        /** The store refused the batch while it was reachable. */
        FAILED("failed", null);

        private final String tag;
        private final String setting;

        LeftOut(String tag, String setting) {
            this.tag = tag;
            this.setting = setting;
        }

        public String tag() {
            return tag;
        }

        /** The setting that lets the store's queue hold more, or null (a refused batch: see the log). */
        public String setting() {
            return setting;
        }
    }

    private final StoreWriter writer;
    private final Retention retention;
    private final Duration checkEvery;
    private final Clock clock;
    private final Queue<Waiting> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final int capacity;
    private final long capacityBytes;
    private final List<Consumer<List<Stored>>> listeners = new CopyOnWriteArrayList<>();
    private final Counter written;
    private final Map<LeftOut, Counter> leftOut = new EnumMap<>(LeftOut.class);
    private final Set<LeftOut> logged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile long usedBytes;
    private volatile long count;
    private long nextCheck;

    public AlertRecorder(
            AlertStore store,
            Duration maxAge,
            long maxBytes,
            Duration checkEvery,
            int capacity,
            long capacityBytes,
            Clock clock,
            MeterRegistry metrics) {
        this.writer = store.writer();
        this.retention = new Retention(maxAge, maxBytes, clock, metrics);
        this.checkEvery = checkEvery;
        this.clock = clock;
        this.capacity = capacity;
        this.capacityBytes = capacityBytes;
        this.written = Counter.builder("peregrine.store.written")
                .description("Alerts written to the dashboard's store")
                .register(metrics);
        for (LeftOut reason : LeftOut.values()) {
            leftOut.put(
                    reason,
                    reason == LeftOut.FAILED
                            ? Counter.builder("peregrine.store.failed")
                                    .description("Alerts the store refused (written again while the store is down,"
                                            + " left out when bad); still delivered")
                                    .register(metrics)
                            : Counter.builder("peregrine.store.dropped")
                                    .tag("reason", reason.tag())
                                    .description("Accepted alerts left out of the store because its queue was full"
                                            + " (reason: of alerts or of bytes); still delivered")
                                    .register(metrics));
        }
        Gauge.builder("peregrine.store.queue", queued, AtomicInteger::get)
                .description("Alerts waiting to be written to the store")
                .register(metrics);
        Gauge.builder("peregrine.store.queue.bytes", queuedBytes, AtomicLong::get)
                .baseUnit("bytes")
                .description("JSON bytes of the alerts waiting to be written to the store"
                        + " (peregrine.ui.store.queue-bytes bounds it)")
                .register(metrics);
        Gauge.builder("peregrine.store.lag", this, AlertRecorder::lagSeconds)
                .baseUnit("seconds")
                .description("How long the oldest alert waiting for the store has waited (the writer"
                        + " yields the CPU to intake, so it grows while intake is busy)")
                .register(metrics);
        Gauge.builder("peregrine.store.size", this, r -> r.usedBytes)
                .baseUnit("bytes")
                .description("Bytes the store uses (peregrine.ui.retention.max-size bounds it)")
                .register(metrics);
        Gauge.builder("peregrine.store.alerts", this, r -> r.count)
                .description("Alerts in the store")
                .register(metrics);
        Gauge.builder(
                        "peregrine.store.oldest.age",
                        store,
                        s -> s.oldest()
                                .map(t -> Math.max(0, clock.millis() - t.toEpochMilli()) / 1000.0)
                                .orElse(0.0))
                .baseUnit("seconds")
                .description("Age of the oldest alert in the store (peregrine.ui.retention.max-age bounds it)")
                .register(metrics);
        this.thread = Thread.ofPlatform().name("alert-store-writer").daemon().start(this::run);
    }

    /**
     * Queues an accepted alert for the store; never blocks. When the queue is full (in alerts or in
     * bytes) the alert is left out of the store and counted; an alert larger than the byte bound
     * alone is still taken when nothing else waits.
     *
     * @param body the alert as {@link AlertJson#write} writes it (as the spool keeps it): the store
     *     reads the alert from it on its own thread
     */
    public void record(byte[] body, List<String> outputs, String muted) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            leaveOut(LeftOut.QUEUE_ALERTS, 1);
            return;
        }
        long bytes = queuedBytes.addAndGet(body.length);
        if (bytes > capacityBytes && bytes != body.length) {
            queuedBytes.addAndGet(-body.length);
            queued.decrementAndGet();
            leaveOut(LeftOut.QUEUE_BYTES, 1);
            return;
        }
        queue.add(new Waiting(body, List.copyOf(outputs), muted, System.nanoTime()));
    }

    /** Counts alerts left out of the store, and says so in the log the first time for each reason. */
    private void leaveOut(LeftOut reason, int alerts) {
        leftOut.get(reason).increment(alerts);
        if (reason != LeftOut.FAILED && logged.add(reason)) {
            log.warn(
                    "alert store: its queue is full ({} = {}): accepted alerts are still delivered, but the"
                            + " store is behind and leaves them out; counted in peregrine_store_dropped_total"
                            + "{reason=\"{}\"} and shown in /api/store (logged once)",
                    reason.setting,
                    reason == LeftOut.QUEUE_ALERTS ? capacity : capacityBytes + " bytes",
                    reason.tag());
        }
    }

    /** Accepted alerts left out of the store so far, per reason (all of them were delivered). */
    public Map<LeftOut, Long> leftOut() {
        Map<LeftOut, Long> counts = new EnumMap<>(LeftOut.class);
        leftOut.forEach((reason, counter) -> counts.put(reason, (long) counter.count()));
        return counts;
    }

    /** JSON bytes of the alerts queued and not written yet. */
    public long backlogBytes() {
        return queuedBytes.get();
    }

    /** Seconds the oldest queued alert has waited; 0 when none waits. */
    double lagSeconds() {
        Waiting oldest = queue.peek();
        return oldest == null ? 0 : Math.max(0, System.nanoTime() - oldest.queuedNanos()) / 1e9;
    }

    /** Called on the writer thread after each committed batch; must be quick. */
    public void onStored(Consumer<List<Stored>> listener) {
        listeners.add(listener);
    }

    /** Alerts queued and not written yet. */
    public int backlog() {
        return queued.get();
    }

    private void run() {
        if (!ThreadNice.idle() && !ThreadNice.set(NICE)) {
            log.info("alert store: the writer's thread runs at normal CPU priority (nice not available here)");
        }
        try {
            rebuildText();
            while (running.get() || queued.get() > 0) {
                Waiting oldest = queue.peek();
                long waited = oldest == null ? 0 : System.nanoTime() - oldest.queuedNanos();
                if (oldest == null || (running.get() && queued.get() < MAX_BATCH && waited < BATCH_WAIT.toNanos())) {
                    // a poll, not a wake-up per alert: intake's threads never signal this one
                    LockSupport.parkNanos(oldest == null ? BATCH_WAIT.toNanos() : BATCH_WAIT.toNanos() - waited);
                } else {
                    writeQueued();
                }
                if (Thread.interrupted() && running.get()) {
                    return;
                }
                if (running.get() && clock.millis() >= nextCheck) {
                    nextCheck = clock.millis() + checkEvery.toMillis();
                    enforceRetention();
                }
            }
        } finally {
            writer.close();
        }
    }

    /**
     * A store made before the full-text index's prefix indexes gets them before the first batch
     * (its old index answers searches meanwhile); what queues meanwhile is written between slices.
     */
    private void rebuildText() {
        long t0 = System.nanoTime();
        try {
            long n = writer.rebuildText(() -> {
                writeQueued();
                return running.get();
            });
            if (n >= 0) {
                log.info(
                        "alert store: full-text index rebuilt with prefix indexes, {} alerts in {} s",
                        n,
                        (System.nanoTime() - t0) / 1_000_000_000);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn(
                    "alert store: rebuilding the full-text index with prefix indexes failed; searches use the"
                            + " old one, and it is tried again at the next start: {}",
                    e.getMessage());
        }
    }

    private void enforceRetention() {
        try {
            retention.enforce(writer, this::writeQueued);
            usedBytes = writer.usedBytes();
            count = writer.count();
        } catch (SQLException | RuntimeException e) {
            log.warn("alert store: retention check failed, will retry: {}", e.getMessage());
        }
    }

    /** Writes what is queued, up to a batch; also between retention's chunks. */
    private void writeQueued() {
        List<Waiting> taken = new ArrayList<>(Math.min(MAX_BATCH, queued.get()));
        for (Waiting w; taken.size() < MAX_BATCH && (w = queue.poll()) != null; ) {
            taken.add(w);
        }
        if (taken.isEmpty()) {
            return;
        }
        long bytes = 0;
        for (Waiting w : taken) {
            bytes += w.body().length;
        }
        queuedBytes.addAndGet(-bytes);
        queued.addAndGet(-taken.size());
        List<StoreWriter.NewAlert> batch = new ArrayList<>(taken.size());
        int unreadable = 0;
        String firstError = null;
        for (Waiting w : taken) {
            try {
                Alert alert = AlertJson.read(w.body(), clock::instant);
                batch.add(new StoreWriter.NewAlert(alert, w.body(), w.outputs(), w.muted(), w.queuedNanos()));
            } catch (RuntimeException e) {
                // intake wrote this JSON itself: not expected, but never a reason to stop the writer
                unreadable++;
                firstError = firstError == null ? e.getMessage() : firstError;
            }
        }
        if (unreadable > 0) {
            leaveOut(LeftOut.FAILED, unreadable);
            log.error(
                    "alert store: {} alerts could not be read back and are left out of it: {}", unreadable, firstError);
        }
        if (!batch.isEmpty()) {
            write(batch);
        }
    }

    /**
     * Writes the batch; while the store is unreachable it is tried again every second (the queue
     * fills meanwhile and then drops). A batch the store refuses while reachable is dropped.
     */
    private void write(List<StoreWriter.NewAlert> batch) {
        for (int attempt = 1; ; attempt++) {
            try {
                long[] ids = writer.insert(batch);
                written.increment(batch.size());
                count += batch.size();
                publish(batch, ids);
                return;
            } catch (SQLException | RuntimeException e) {
                boolean reachable = reachable();
                if (reachable || !running.get()) {
                    leaveOut(LeftOut.FAILED, batch.size());
                    log.error(
                            "alert store: {} alerts could not be stored and are left out of it: {}",
                            batch.size(),
                            e.getMessage());
                    return;
                }
                if (attempt == 1) {
                    log.warn("alert store unreachable, retrying every second: {}", e.getMessage());
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private boolean reachable() {
        try {
            writer.count();
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private void publish(List<StoreWriter.NewAlert> batch, long[] ids) {
        if (listeners.isEmpty()) {
            return;
        }
        List<Stored> stored = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            stored.add(new Stored(ids[i], batch.get(i).alert(), batch.get(i).muted()));
        }
        for (Consumer<List<Stored>> l : listeners) {
            try {
                l.accept(stored);
            } catch (RuntimeException e) {
                log.warn("alert store listener failed: {}", e.toString());
            }
        }
    }

    /** Writes what is queued (for up to 10 s), then stops. */
    @Override
    public void close() {
        running.set(false);
        LockSupport.unpark(thread);
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
            log.warn("alert store: {} queued alerts were not written before shutdown", queued.get());
        }
    }
}
