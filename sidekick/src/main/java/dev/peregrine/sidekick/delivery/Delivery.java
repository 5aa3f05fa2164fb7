package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.dedup.Aggregator;
import dev.peregrine.sidekick.dedup.DedupStore;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.Secrets;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.OutputQueue;
import dev.peregrine.sidekick.spool.SpoolEntry;
import dev.peregrine.sidekick.spool.SpoolFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one output's spooled alerts to the output: its own senders (as many as its parallelism),
 * its own Retry and CircuitBreaker. Nothing here is shared with other outputs,
 * so one that is down or slow only grows its own queue.
 *
 * <p>An alert leaves the spool only when the output took it (removed) or rejected it for good
 * (moved to the dead-letter table, counted and logged). While the output is down, the in-flight
 * alerts keep being retried and the rest wait on disk.
 *
 * <p>An output that offers {@link Output#submit} (Kafka) gets one sender that hands it up to
 * {@link Output#alertsInFlight} alerts at once without waiting for each; every alert goes through
 * the same Retry, CircuitBreaker and dead-letter path, and leaves the spool only when its own
 * stage says delivered.
 *
 * <p>With dedup or grouping configured, an {@link Aggregator} sees each batch read from the queue
 * first and keeps back the alerts it counts into a window; its follow-ups come back through the
 * same queue.
 */
final class Delivery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    private final ConfiguredOutput configured;
    private final Output output;
    private final AlertLog source;
    private final Clock clock;
    private final CircuitBreaker breaker;
    private final Retry retry;
    /** Entries read from the queue, not yet taken by a sender; also the lock for reading it. */
    private final ArrayDeque<SpoolEntry> buffer = new ArrayDeque<>();

    private final List<Thread> senders;
    /** Entries read per query of the queue. */
    private final int readBatch;
    /** Slots for alerts submitted and not yet delivered or buried; null when the output only sends. */
    private final Semaphore inFlight;
    /** Runs the retries of submitted alerts (their backoff, then the next round); null with inFlight. */
    private final ScheduledExecutorService retryScheduler;
    /** Submitted alerts waiting out maxBackoff before their next round: their slots stay taken. */
    private final AtomicInteger waitingRounds = new AtomicInteger();

    private OutputQueue queue; // read by one sender at a time: the one that set reading
    private boolean reading; // guarded by buffer
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Notified by {@link #close}, to end the senders' pauses. */
    private final Object stopping = new Object();

    private final OutputMeters meters;
    private final Aggregator aggregator;

    /** The output's credentials, masked in every message this class logs or keeps. */
    private final Secrets secrets;

    /** @param dedup where dedup and group windows are kept; null when no output uses them */
    Delivery(
            ConfiguredOutput configured,
            Output output,
            AlertLog source,
            CircuitBreakerRegistry breakers,
            MeterRegistry metrics,
            Clock clock,
            DedupStore dedup) {
        this.configured = configured;
        this.secrets = Secrets.of(configured.config());
        this.output = output;
        this.source = source;
        this.clock = clock;
        OutputSettings s = configured.settings();
        this.breaker = breakers.circuitBreaker(
                configured.name(),
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(s.circuitBreaker().failureRateThreshold())
                        .slidingWindowSize(s.circuitBreaker().windowSize())
                        .minimumNumberOfCalls(Math.min(s.circuitBreaker().windowSize(), 5))
                        .waitDurationInOpenState(s.circuitBreaker().openDuration())
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .recordException(Delivery::retryable)
                        .build());
        this.retry = Retry.of(
                configured.name(),
                RetryConfig.custom()
                        .maxAttempts(s.retry().maxAttempts())
                        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
                                s.retry().initialBackoff(), 2.0, 0.5, s.retry().maxBackoff()))
                        .retryOnException(e -> retryable(e) || e instanceof CallNotPermittedException)
                        .build());
        String name = configured.name();
        this.meters = new OutputMeters(name, configured.type(), metrics, clock, secrets);
        retry.getEventPublisher().onRetry(e -> meters.retried());
        // Every failed attempt passes the breaker, also those the retry repeats and so never throws here.
        breaker.getEventPublisher().onError(e -> meters.failure(e.getThrowable()));
        this.aggregator = dedup == null
                ? null
                : new Aggregator(name, configured.policy(), dedup, clock, new SpoolQueue(), metrics);
        // Long-lived senders that read the queue themselves, rather than a reader handing each alert
        // to a thread: starting, scheduling and waking a thread per alert cost more CPU than a
        // webhook's whole HTTP exchange. An output that takes alerts without a thread each gets one.
        int submitted = output.alertsInFlight();
        this.inFlight = submitted > 0 ? new Semaphore(submitted) : null;
        this.retryScheduler = submitted > 0
                ? Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("retry-" + name).daemon().factory())
                : null;
        this.readBatch = submitted > 0 ? Math.clamp(submitted, 64, 512) : Math.max(64, s.parallelism() * 4);
        int threads = submitted > 0 ? 1 : s.parallelism();
        this.senders = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            senders.add(
                    Thread.ofPlatform().name("send-" + name + "-" + i).daemon().unstarted(this::sendLoop));
        }
    }

    void start() {
        queue = source.queue(configured.name());
        senders.forEach(Thread::start);
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    OutputHealth health() {
        OutputMeters.Failure f = meters.lastFailure();
        return new OutputHealth(
                configured.name(),
                configured.type(),
                source.depth(configured.name()),
                source.oldestWaiting(configured.name()).orElse(null),
                meters.delivered(),
                meters.failed(),
                meters.retries(),
                source.deadByOutput().getOrDefault(configured.name(), 0L),
                breaker.getState().name(),
                f == null ? null : f.message(),
                f == null ? null : f.at());
    }

    private static boolean retryable(Throwable e) {
        return !(e instanceof DeliveryException d) || d.retryable();
    }

    /**
     * The next entry to send, or null when there is none yet. The sender that finds nothing left
     * reads the next batch (64 or more; from the database, or in memory once the queue caught up),
     * waiting for the next commit if need be; the others sleep meanwhile and are woken only for
     * entries it found, so a trickle of alerts does not send every sender to the queue for each one.
     */
    private SpoolEntry take() throws InterruptedException {
        synchronized (buffer) {
            while (buffer.isEmpty() && reading && running.get()) {
                buffer.wait(500);
            }
            if (!buffer.isEmpty() || !running.get()) {
                return buffer.poll();
            }
            reading = true;
        }
        List<SpoolEntry> read = List.of();
        try {
            read = queue.next(readBatch, Duration.ofMillis(500));
            if (aggregator != null) {
                read = aggregate(read);
            }
        } finally {
            synchronized (buffer) {
                reading = false;
                buffer.addAll(read);
                for (int i = 1; i < read.size() && i < senders.size(); i++) {
                    buffer.notify();
                }
            }
        }
        synchronized (buffer) {
            return buffer.poll();
        }
    }

    /**
     * The entries to send now. When the dedup state cannot be written every entry is sent:
     * a repeat delivered is better than an alert lost.
     */
    private List<SpoolEntry> aggregate(List<SpoolEntry> read) {
        List<SpoolEntry> deliver = read;
        try {
            deliver = aggregator.admit(read);
        } catch (RuntimeException e) {
            log.warn(
                    "output {}: dedup state not updated, delivering {} alerts as they are: {}",
                    configured.name(),
                    read.size(),
                    e.getMessage());
        }
        try {
            aggregator.flush(read.isEmpty());
        } catch (RuntimeException e) {
            log.warn("output {}: queueing dedup follow-ups failed, will retry: {}", configured.name(), e.getMessage());
        }
        return deliver;
    }

    /** The aggregator's view of this output's spool queue. */
    private final class SpoolQueue implements Aggregator.Queue {
        @Override
        public void remove(SpoolEntry entry) {
            queue.remove(entry);
        }

        @Override
        public boolean enqueue(Map<String, byte[]> followUps) {
            List<CompletableFuture<Boolean>> written = new ArrayList<>(followUps.size());
            try {
                followUps.forEach((uuid, payload) -> written.add(queue.append(uuid, payload)));
                CompletableFuture.allOf(written.toArray(CompletableFuture[]::new))
                        .get(30, TimeUnit.SECONDS);
                return true;
            } catch (SpoolFullException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | TimeoutException e) {
                log.warn(
                        "output {}: queueing dedup follow-ups failed, will retry: {}",
                        configured.name(),
                        e.getMessage());
                return false;
            }
        }
    }

    private void sendLoop() {
        while (running.get()) {
            boolean slot = false;
            try {
                if (inFlight != null && !(slot = inFlight.tryAcquire(500, TimeUnit.MILLISECONDS))) {
                    continue; // every slot taken: look at running again
                }
                SpoolEntry entry = take();
                if (entry != null && inFlight == null) {
                    deliver(entry);
                } else if (entry != null) {
                    slot = false; // released when this alert is done with
                    submit(entry, new SpooledAlert(entry, clock::instant));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The spool could not be read: nothing is lost, it is read again after a pause.
                log.error("output {}: reading its queue failed, retrying: {}", configured.name(), e.getMessage(), e);
                pause(Duration.ofSeconds(1));
            } finally {
                if (slot) {
                    inFlight.release();
                }
            }
        }
    }

    /** Tries until the alert is delivered or rejected for good, or the sidekick stops. */
    private void deliver(SpoolEntry entry) {
        SpooledAlert alert = new SpooledAlert(entry, clock::instant);
        while (running.get()) {
            try {
                Retry.decorateCheckedRunnable(
                                retry, CircuitBreaker.decorateCheckedRunnable(breaker, () -> output.send(alert)))
                        .run();
                delivered(entry);
                return;
            } catch (Throwable e) {
                if (!failedRound(entry, e)) {
                    return;
                }
            }
            pause(configured.settings().retry().maxBackoff());
        }
    }

    /**
     * {@link #deliver} without a thread waiting: the output's stage goes through the same Retry
     * (its backoff on {@link #retryScheduler}) and CircuitBreaker; after a failed round the alert
     * is submitted again after maxBackoff. Its slot is released once it is delivered or buried,
     * or when the sidekick stops (then it stays in the spool).
     */
    private void submit(SpoolEntry entry, SpooledAlert alert) {
        CompletionStage<Void> done;
        try {
            done = Retry.decorateCompletionStage(
                            retry,
                            retryScheduler,
                            CircuitBreaker.decorateCompletionStage(breaker, () -> attempt(alert)))
                    .get();
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((ok, error) -> {
            if (error == null) {
                delivered(entry);
            } else if (failedRound(entry, unwrap(error)) && running.get()) {
                waitingRounds.incrementAndGet();
                try {
                    retryScheduler.schedule(
                            () -> {
                                waitingRounds.decrementAndGet();
                                submit(entry, alert);
                            },
                            configured.settings().retry().maxBackoff().toMillis(),
                            TimeUnit.MILLISECONDS);
                    return; // the slot goes with it
                } catch (RejectedExecutionException stopped) {
                    waitingRounds.decrementAndGet();
                }
            }
            inFlight.release();
        });
    }

    /**
     * One attempt. The Retry and CircuitBreaker judge the output's own exception: one wrapped in a
     * CompletionException (by a dependent stage) is unwrapped, and one the output throws instead of
     * failing its stage fails the stage.
     */
    private CompletionStage<Void> attempt(SpooledAlert alert) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            output.submit(alert).whenComplete((ok, error) -> {
                if (error == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(unwrap(error));
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private void delivered(SpoolEntry entry) {
        forget(entry);
        meters.delivered(entry.acceptedAtMillis());
    }

    /**
     * Counts and logs a round of attempts that failed.
     *
     * @return true when the alert is to be tried again; false when it was rejected for good and buried
     */
    private boolean failedRound(SpoolEntry entry, Throwable e) {
        meters.failedRound();
        if (e instanceof DeliveryException d) {
            if (!d.retryable()) {
                meters.failure(d); // the breaker counts a refusal as no failure of the destination
                bury(entry, secrets.mask(d.getMessage()));
                return false;
            }
            log.warn(
                    "output {}: alert {} not delivered yet, will retry: {}",
                    configured.name(),
                    entry.uuid(),
                    secrets.mask(d.getMessage()));
        } else if (!(e instanceof CallNotPermittedException)) {
            meters.failure(e);
            log.warn(
                    "output {}: alert {} not delivered yet, will retry: {}",
                    configured.name(),
                    entry.uuid(),
                    secrets.mask(e.toString()));
        }
        return true;
    }

    /**
     * Removes the delivered entry without waiting for the removal's commit. Waiting held a send
     * slot for a whole group commit, which under intake load capped an output at a few hundred
     * alerts/s (parallelism / commit time). A crash before the commit delivers the alert again,
     * with its uuid in the Idempotency-Key: at least once, never lost.
     */
    private void forget(SpoolEntry entry) {
        queue.remove(entry).whenComplete((removed, error) -> {
            if (error != null) {
                log.warn(
                        "output {}: removing delivered alert {} from the spool failed; it may be delivered again: {}",
                        configured.name(),
                        entry.uuid(),
                        error.getMessage());
            }
        });
    }

    private void bury(SpoolEntry entry, String reason) {
        meters.dead();
        log.error(
                "output {}: alert {} rejected for good, kept in the spool's dead-letter table: {}",
                configured.name(),
                entry.uuid(),
                reason);
        queue.bury(entry, reason);
    }

    /**
     * Waits between retry rounds, or until {@link #close}: a sender sleeping out a 30 s backoff
     * held shutdown up to close's 5 s per failing output.
     */
    private void pause(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        synchronized (stopping) {
            try {
                long left;
                while (running.get() && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(stopping, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running.set(false);
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        synchronized (buffer) {
            buffer.notifyAll();
        }
        synchronized (stopping) {
            stopping.notifyAll();
        }
        try {
            // Wait briefly for in-flight sends (a sender waiting for work notices within 500 ms);
            // whatever is still in flight stays in the spool.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Thread sender : senders) {
                sender.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
            if (inFlight != null) {
                // Alerts waiting for their next round stay in the spool; the rest get the time left.
                retryScheduler.shutdownNow();
                inFlight.tryAcquire(
                        Math.max(0, output.alertsInFlight() - waitingRounds.get()),
                        Math.max(1, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        output.close();
        if (queue != null) {
            queue.close();
        }
    }
}
