package dev.peregrine.sidekick.delivery;

import java.time.Instant;

/**
 * How one output's deliveries are going, for the dashboard: what waits, what happened so far
 * (since the sidekick started), its circuit breaker and its last failure.
 *
 * @param waiting alerts in its spool queue
 * @param oldestWaiting when the oldest of them was accepted; null when none waits
 * @param failed delivery attempts that failed (each retry counts)
 * @param retried attempts repeated after a failure
 * @param dead alerts its destination refused for good, kept in the dead-letter table
 * @param circuit CLOSED (delivering), OPEN (pausing after failures), HALF_OPEN (trying again)
 * @param lastError the last failure's message, null when none happened
 */
public record OutputHealth(
        String name,
        String type,
        long waiting,
        Instant oldestWaiting,
        long delivered,
        long failed,
        long retried,
        long dead,
        String circuit,
        String lastError,
        Instant lastErrorAt) {}
