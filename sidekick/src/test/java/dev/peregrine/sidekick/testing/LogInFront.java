package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.OutputQueue;
import java.nio.file.Path;
import java.util.Set;

/**
 * A test's {@link AlertLog} in front of a real one: it decides how appends reach the real log
 * (held, gated, in rounds) and passes everything else on. Closing it closes the real log.
 */
abstract class LogInFront implements AlertLog {
    protected final AlertLog log;

    LogInFront(AlertLog log) {
        this.log = log;
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
        log.close();
    }
}
