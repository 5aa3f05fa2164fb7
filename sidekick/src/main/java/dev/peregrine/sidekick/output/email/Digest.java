package dev.peregrine.sidekick.output.email;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Collects alerts into digest mails: one mail once {@code maxAlerts} are waiting, or
 * {@code interval} after the first of them arrived, whichever comes first. Each alert's stage
 * completes when the mail listing it was accepted by the SMTP server, or fails with that mail's
 * failure (then delivery retries the alert, in a later digest). Mails go out one at a time, from
 * one thread of its own.
 */
final class Digest implements AutoCloseable {

    /** Mails the alerts of one digest. */
    interface Mailer {
        void mail(List<Alert> alerts) throws DeliveryException;
    }

    private record Waiting(Alert alert, CompletableFuture<Void> mailed) {}

    private final int maxAlerts;
    private final Duration interval;
    private final Mailer mailer;
    private final ScheduledExecutorService thread;
    /** Full digests handed to the thread and not mailed yet: failed on close. */
    private final Queue<List<Waiting>> queued = new ConcurrentLinkedQueue<>();

    private List<Waiting> waiting = new ArrayList<>(); // guarded by this
    private ScheduledFuture<?> due; // guarded by this

    Digest(String name, int maxAlerts, Duration interval, Mailer mailer) {
        this.maxAlerts = maxAlerts;
        this.interval = interval;
        this.mailer = mailer;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("digest-" + name).daemon().factory());
    }

    int maxAlerts() {
        return maxAlerts;
    }

    /** Adds the alert to the digest being collected; the stage completes when its mail was accepted. */
    CompletableFuture<Void> add(Alert alert) {
        CompletableFuture<Void> mailed = new CompletableFuture<>();
        List<Waiting> full = null;
        synchronized (this) {
            waiting.add(new Waiting(alert, mailed));
            if (waiting.size() >= maxAlerts) {
                full = takeWaiting();
            } else if (waiting.size() == 1) {
                try {
                    due = thread.schedule(this::mailDue, interval.toNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException closed) {
                    full = takeWaiting();
                }
            }
        }
        if (full != null) {
            List<Waiting> batch = full;
            queued.add(batch);
            try {
                thread.execute(() -> mail(batch));
            } catch (RejectedExecutionException closed) {
                fail(batch, DeliveryException.retryable("email digest: the output is closed", null));
            }
        }
        return mailed;
    }

    private List<Waiting> takeWaiting() {
        List<Waiting> taken = waiting;
        waiting = new ArrayList<>();
        if (due != null) {
            due.cancel(false);
            due = null;
        }
        return taken;
    }

    private void mailDue() {
        List<Waiting> batch;
        synchronized (this) {
            batch = takeWaiting();
        }
        mail(batch);
    }

    private void mail(List<Waiting> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            mailer.mail(batch.stream().map(Waiting::alert).toList());
            batch.forEach(w -> w.mailed().complete(null));
        } catch (DeliveryException e) {
            fail(batch, e);
        } catch (RuntimeException e) {
            fail(batch, DeliveryException.retryable("email digest: " + e, e));
        } finally {
            queued.remove(batch);
        }
    }

    private static void fail(List<Waiting> batch, DeliveryException e) {
        batch.forEach(w -> w.mailed().completeExceptionally(e));
    }

    /** Stops; alerts still waiting fail (retryable) and so stay in the spool. */
    @Override
    public void close() {
        thread.shutdownNow();
        List<Waiting> left;
        synchronized (this) {
            left = takeWaiting();
        }
        DeliveryException closed = DeliveryException.retryable("email digest: the output is closed", null);
        fail(left, closed);
        List<Waiting> batch;
        while ((batch = queued.poll()) != null) {
            fail(batch, closed); // a stage already completed stays as it is
        }
    }
}
