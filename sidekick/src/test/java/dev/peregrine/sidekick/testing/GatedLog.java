package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.spool.AlertLog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@link AlertLog} behind a gate, for tests: while it is closed, appends wait (a writer
 * that is slow or stuck, a disk that does not answer); opening it passes them on (in no particular order) and lets later ones straight through.
 */
public final class GatedLog extends LogInFront {
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final AtomicInteger held = new AtomicInteger();

    /** Starts closed. */
    public GatedLog(AlertLog log) {
        super(log);
    }

    /** Appends waiting at the gate now. */
    public int held() {
        return held.get();
    }

    /** Lets every waiting append and every later one through. */
    public void open() {
        gate.complete(null);
    }

    @Override
    public CompletableFuture<Boolean> append(Alert alert, byte[] payload, List<String> outputs, boolean remember) {
        CompletableFuture<Void> g = gate;
        if (g.isDone()) {
            return log.append(alert, payload, outputs, remember);
        }
        held.incrementAndGet();
        return g.thenCompose(v -> {
            held.decrementAndGet();
            return log.append(alert, payload, outputs, remember);
        });
    }

    @Override
    public void close() {
        open();
        super.close();
    }
}
