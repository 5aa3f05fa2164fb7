package dev.peregrine.sidekick.spool;

import java.util.concurrent.TimeUnit;

/**
 * Rung after each commit that added entries to an output's queue. A count rather than a token,
 * so every reader of the output can tell whether anything was committed since its last read.
 */
final class Doorbell {
    private long rings; // guarded by this

    synchronized void ring() {
        rings++;
        notifyAll();
    }

    synchronized long rings() {
        return rings;
    }

    /** Waits until it rang after {@code seen} rings, at most {@code millis}. */
    synchronized void await(long seen, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left = millis;
        while (rings == seen && left > 0) {
            wait(left);
            left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        }
    }
}
