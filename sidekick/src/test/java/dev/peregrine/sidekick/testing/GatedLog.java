package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.OutputQueue;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@link AlertLog} behind a gate, for tests: while it is closed, appends wait (a writer
 * that is slow or stuck, a disk that does not answer); opening it passes them on (in no particular order) and lets later ones straight through.
 */
public final class GatedLog implements AlertLog {
    private final AlertLog log;
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final AtomicInteger held = new AtomicInteger();

    /** Starts closed. */
    public GatedLog(AlertLog log) {
        this.log = log;
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
    public OutputQueue queue(String output) {
        return log.queue(output);
    }

    @Override
    public long depth(String output) {
        return log.depth(output);
    }

    @Override
    public Set<String> outputsWithBacklog() {
        return log.outputsWithBacklog();
    }

    @Override
    public Path stateDir() {
        return log.stateDir();
    }

    @Override
    public void close() {
        open();
        log.close();
    }
}
