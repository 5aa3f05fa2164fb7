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
