package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.spool.AlertLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@link AlertLog} that writes in rounds, for tests: appends wait until {@link #release}
 * passes on those waiting at that moment (one group commit), later ones wait for the next round;
 * {@link #open} lets everything through from then on. Counts what waits per rule, so a test can
 * tell how far intake read each sender ahead of its acks.
 */
public final class HeldLog extends LogInFront {
    private final List<Runnable> waiting = new ArrayList<>(); // guarded by this
    private final Map<String, AtomicInteger> heldByRule = new ConcurrentHashMap<>();
    private boolean open; // guarded by this

    public HeldLog(AlertLog log) {
        super(log);
    }

    /** Appends waiting now. */
    public synchronized int held() {
        return waiting.size();
    }

    /** Appends of alerts of {@code rule} waiting now. */
    public int held(String rule) {
        AtomicInteger n = heldByRule.get(rule);
        return n == null ? 0 : n.get();
    }

    /** Passes on the appends waiting now; returns how many. */
    public int release() {
        List<Runnable> round;
        synchronized (this) {
            round = new ArrayList<>(waiting);
            waiting.clear();
        }
        round.forEach(Runnable::run);
        return round.size();
    }

    /** Passes on every waiting append and every later one. */
    public void open() {
        synchronized (this) {
            open = true;
        }
        release();
    }

    @Override
    public CompletableFuture<Boolean> append(Alert alert, byte[] payload, List<String> outputs, boolean remember) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        AtomicInteger n = heldByRule.computeIfAbsent(alert.rule(), r -> new AtomicInteger());
        Runnable write = () -> {
            n.decrementAndGet();
            log.append(alert, payload, outputs, remember).whenComplete((ok, error) -> {
                if (error == null) {
                    done.complete(ok);
                } else {
                    done.completeExceptionally(error);
                }
            });
        };
        synchronized (this) {
            if (!open) {
                n.incrementAndGet();
                waiting.add(write);
                return done;
            }
        }
        return log.append(alert, payload, outputs, remember);
    }

    @Override
    public void close() {
        open();
        super.close();
    }
}
