package dev.peregrine.sidekick.store;

import dev.peregrine.sidekick.alert.Alert;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the store from intake without ever holding intake up: {@link #record} only offers the
 * alert to a bounded queue, and one thread writes what has queued in batches (and enforces
 * retention between them). When the queue is full, because the store is slower than intake or
 * down, the alert is still delivered but left out of the store, and counted.
 */
public final class AlertRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertRecorder.class);
    private static final int MAX_BATCH = 1000;

    /** An alert the store has just written, for the live view. */
    public record Stored(long id, Alert alert, String muted) {}

    private final StoreWriter writer;
    private final Retention retention;
    private final Duration checkEvery;
    private final Clock clock;
    private final BlockingQueue<StoreWriter.NewAlert> queue;
    private final List<Consumer<List<Stored>>> listeners = new CopyOnWriteArrayList<>();
    private final Counter written;
    private final Counter dropped;
    private final Counter failed;
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
            Clock clock,
            MeterRegistry metrics) {
        this.writer = store.writer();
        this.retention = new Retention(maxAge, maxBytes, clock, metrics);
        this.checkEvery = checkEvery;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.written = Counter.builder("peregrine.store.written")
                .description("Alerts written to the dashboard's store")
                .register(metrics);
        this.dropped = Counter.builder("peregrine.store.dropped")
                .description("Accepted alerts left out of the store because its queue was full (still delivered)")
                .register(metrics);
        this.failed = Counter.builder("peregrine.store.failed")
                .description("Alerts the store refused (written again while the store is down, dropped when bad)")
                .register(metrics);
        Gauge.builder("peregrine.store.queue", queue, BlockingQueue::size)
                .description("Alerts waiting to be written to the store")
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

    /** Queues an accepted alert for the store; never blocks. */
    public void record(Alert alert, byte[] body, List<String> outputs, String muted) {
        if (!queue.offer(new StoreWriter.NewAlert(alert, body, List.copyOf(outputs), muted))) {
            dropped.increment();
        }
    }

    /** Called on the writer thread after each committed batch; must be quick. */
    public void onStored(Consumer<List<Stored>> listener) {
        listeners.add(listener);
    }

    /** Alerts queued and not written yet. */
    public int backlog() {
        return queue.size();
    }

    private void run() {
        while (running.get() || !queue.isEmpty()) {
            try {
                StoreWriter.NewAlert first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    List<StoreWriter.NewAlert> batch = new ArrayList<>(MAX_BATCH);
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    write(batch);
                }
                if (running.get() && clock.millis() >= nextCheck) {
                    nextCheck = clock.millis() + checkEvery.toMillis();
                    retention.enforce(writer, this::writeQueued);
                    usedBytes = writer.usedBytes();
                    count = writer.count();
                }
            } catch (InterruptedException e) {
                if (!running.get()) {
                    continue; // closing: drain what is queued
                }
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                log.warn("alert store: retention check failed, will retry: {}", e.getMessage());
            }
        }
    }

    /** Between retention's chunks: what queued meanwhile goes in first. */
    private void writeQueued() {
        List<StoreWriter.NewAlert> batch = new ArrayList<>(MAX_BATCH);
        queue.drainTo(batch, MAX_BATCH);
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
                    failed.increment(batch.size());
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
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
            log.warn("alert store: {} queued alerts were not written before shutdown", queue.size());
        }
    }
}
