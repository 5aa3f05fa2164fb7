package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The container table's engines and how they are asked: the engines of the container's runtime
 * first (all of them when the runtime was only guessed), at most four requests at a time, I/O
 * errors retried after a doubling delay (three tries). Called on the table's virtual threads.
 */
final class ContainerEngines {
    private final List<ContainerEngine> engines;
    private final Duration retryDelay;
    /** The table's: set when it closes, which ends retrying. */
    private final AtomicBoolean closed;

    /** Tries of {@link #describeAnnounced}: 20 + 40 + 80 + 160 ms between them. */
    private static final int ANNOUNCED_TRIES = 5;

    private final Semaphore slots = new Semaphore(4);
    private final LongAdder requests = new LongAdder();
    private final LongAdder unknown = new LongAdder();
    private final LongAdder errors = new LongAdder();

    ContainerEngines(List<? extends ContainerEngine> engines, Duration retryDelay, AtomicBoolean closed) {
        this.engines = List.copyOf(engines);
        this.retryDelay = retryDelay;
        this.closed = closed;
    }

    /** Containers asked of an engine. */
    long requests() {
        return requests.sum();
    }

    /** Containers no engine knew (or no engine for their runtime). */
    long unknown() {
        return unknown.sum();
    }

    /** Requests that failed (I/O, timeout, bad answer). */
    long errors() {
        return errors.sum();
    }

    /** Asks the engines, retrying I/O errors; completes the container's metadata whatever the outcome. */
    void fetchMetadata(Container c) {
        try {
            Duration delay = retryDelay;
            for (int attempt = 0; attempt < 3 && !closed.get(); attempt++) {
                if (attempt > 0) {
                    Thread.sleep(delay.toMillis());
                    delay = delay.multipliedBy(2);
                }
                ContainerIds.Ref ref = c.ref;
                boolean failed = false;
                for (ContainerEngine engine : enginesFor(ref)) {
                    requests.increment();
                    Optional<ContainerInfo> info;
                    slots.acquire();
                    try {
                        info = engine.inspect(c.ref);
                    } catch (IOException | RuntimeException ex) {
                        errors.increment();
                        failed = true;
                        continue;
                    } finally {
                        slots.release();
                    }
                    if (info.isPresent()) {
                        c.answered(info.get());
                        return;
                    }
                }
                if (!failed) {
                    // Known to no engine (or none for this runtime): what the cgroup told is all there is.
                    unknown.increment();
                    return;
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            c.metadata.complete(c.info);
        }
    }

    /**
     * Asks {@code engine} about a container it has just announced ({@link ContainerEngine.Lifecycle}):
     * at once for a created one ({@link ContainerEngine#inspectCreated}), as usual for a started
     * one. An engine may announce a container a moment before it answers for it (containerd's event
     * comes before the CRI plugin records the container), so "unknown" is asked again a few times
     * (20 to 160 ms apart), and so is an I/O error.
     *
     * @return empty when the engine still does not know it (then the container's first event asks)
     */
    Optional<ContainerInfo> describeAnnounced(ContainerEngine engine, ContainerIds.Ref ref, boolean started)
            throws InterruptedException {
        for (int attempt = 0; attempt < ANNOUNCED_TRIES && !closed.get(); attempt++) {
            if (attempt > 0) Thread.sleep(20L << (attempt - 1));
            requests.increment();
            slots.acquire();
            try {
                Optional<ContainerInfo> info = started ? engine.inspect(ref) : engine.inspectCreated(ref);
                if (info.isPresent()) return info;
            } catch (IOException | RuntimeException ex) {
                errors.increment();
            } finally {
                slots.release();
            }
        }
        return Optional.empty();
    }

    /** Closes the engines that are {@link AutoCloseable}, best effort. */
    void close() {
        for (ContainerEngine engine : engines) {
            if (engine instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
        }
    }

    private List<ContainerEngine> enginesFor(ContainerIds.Ref ref) {
        List<ContainerEngine> out = new ArrayList<>();
        for (ContainerEngine e : engines) {
            if (e.runtime() == ref.runtime() && e.available()) out.add(e);
        }
        if (ref.guessed()) {
            for (ContainerEngine e : engines) {
                if (e.runtime() != ref.runtime() && e.available()) out.add(e);
            }
        }
        return out;
    }
}
