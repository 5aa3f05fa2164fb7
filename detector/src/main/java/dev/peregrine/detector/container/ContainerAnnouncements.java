package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The container table's ears on the engines that announce their containers
 * ({@link ContainerEngine#announces()}): each is followed on a virtual thread, and a container it
 * announces is described at once, so that the table knows it before its first process runs. A
 * created container is asked without waiting for its start; a started one is asked again, for
 * its start time.
 */
final class ContainerAnnouncements implements AutoCloseable {
    private static final long PAUSE_MS = 1_000;
    private static final long PAUSE_MAX_MS = 30_000;

    private final ContainerEngines asking;
    private final AtomicBoolean closed;
    private final Predicate<String> describedAlready;
    private final BiConsumer<ContainerIds.Ref, ContainerInfo> described;
    private final Consumer<Runnable> async;
    private final List<Thread> followers = new ArrayList<>();
    private final LongAdder announced = new LongAdder();
    private final LongAdder breaks = new LongAdder();
    /** Announcing engines whose stream has not been open yet; notified on when one opens. */
    private final Set<ContainerEngine> notYetFollowing = ConcurrentHashMap.newKeySet();

    /**
     * @param asking how engines are asked (concurrency, counters)
     * @param closed the table's: set when it closes
     * @param describedAlready whether the table has a container's metadata already (by full id)
     * @param described takes an engine's answer about a container it announced
     * @param async runs a task on a virtual thread of the table
     */
    ContainerAnnouncements(
            List<? extends ContainerEngine> engines,
            ContainerEngines asking,
            AtomicBoolean closed,
            Predicate<String> describedAlready,
            BiConsumer<ContainerIds.Ref, ContainerInfo> described,
            Consumer<Runnable> async) {
        this.asking = asking;
        this.closed = closed;
        this.describedAlready = describedAlready;
        this.described = described;
        this.async = async;
        for (ContainerEngine engine : engines) {
            if (engine.announces()) notYetFollowing.add(engine);
        }
        for (ContainerEngine engine : engines) {
            if (engine.announces()) {
                followers.add(
                        Thread.ofVirtual().name("peregrine-container-events").start(() -> follow(engine)));
            }
        }
    }

    /** Containers described because their engine announced them. */
    long announced() {
        return announced.sum();
    }

    /** Times an engine's event stream could not be opened or broke. */
    long breaks() {
        return breaks.sum();
    }

    /**
     * Waits until the stream of every announcing engine whose socket is there has been opened
     * (or {@code timeout} passed): from then on, a container created is described before its first
     * process runs. Blocking: for startup.
     *
     * @return whether all are followed
     */
    boolean awaitFollowing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (notYetFollowing) {
            while (true) {
                notYetFollowing.removeIf(e -> !e.available());
                long left = deadline - System.nanoTime();
                if (notYetFollowing.isEmpty() || left <= 0) return notYetFollowing.isEmpty();
                notYetFollowing.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
            }
        }
    }

    private void opened(ContainerEngine engine) {
        if (notYetFollowing.remove(engine)) {
            synchronized (notYetFollowing) {
                notYetFollowing.notifyAll();
            }
        }
    }

    /** Ends the following (the table sets {@code closed} first). */
    @Override
    public void close() {
        followers.forEach(Thread::interrupt);
    }

    /**
     * On its own virtual thread while the table is open: follows the engine's event stream, again
     * after each break (1 s, doubling to 30 s, between tries; at once after a stream that ran a
     * minute). An engine whose socket is absent is looked for again at the same pace.
     */
    private void follow(ContainerEngine engine) {
        ContainerEngine.Lifecycle lifecycle = new ContainerEngine.Lifecycle() {
            @Override
            public void following() {
                opened(engine);
            }

            @Override
            public void created(ContainerIds.Ref ref) {
                async.accept(() -> describe(engine, ref, false));
            }

            @Override
            public void started(ContainerIds.Ref ref) {
                async.accept(() -> describe(engine, ref, true));
            }
        };
        long pause = PAUSE_MS;
        while (!closed.get()) {
            if (engine.available()) {
                long since = System.nanoTime();
                try {
                    engine.follow(lifecycle);
                } catch (UnsupportedOperationException e) {
                    opened(engine); // nothing to wait for
                    return;
                } catch (IOException | RuntimeException e) {
                    if (!closed.get()) breaks.increment();
                }
                if (System.nanoTime() - since > TimeUnit.MINUTES.toNanos(1)) pause = 0;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            pause = Math.min(Math.max(pause * 2, PAUSE_MS), PAUSE_MAX_MS);
        }
    }

    /** On a virtual thread: an announced container, described (once when created, again when started). */
    private void describe(ContainerEngine engine, ContainerIds.Ref ref, boolean started) {
        if (!started && describedAlready.test(ref.id())) return;
        Optional<ContainerInfo> info;
        try {
            info = asking.describeAnnounced(engine, ref, started);
        } catch (InterruptedException e) {
            return;
        }
        if (info.isEmpty()) return;
        described.accept(ref, info.get());
        announced.increment();
    }
}
