package dev.peregrine.bench.fleet;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/** What all simulated links did, summed: read once a second by {@link FleetLoad}. */
final class FleetCounters {
    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder retryLater = new LongAdder();
    /** Streams a link ended because it had alerts in flight and no ack at all within the deadline. */
    final LongAdder ackTimeouts = new LongAdder();

    final LongAdder dropped = new LongAdder();
    /** Connection attempts (a new channel and stream each). */
    final LongAdder attempts = new LongAdder();
    /** Streams that ended or failed to open. */
    final LongAdder failures = new LongAdder();
    /** Links that became connected (first ack on a stream). */
    final LongAdder connects = new LongAdder();
    /** Streams ended in order after the sidekick's GOAWAY (its connection age), then opened again. */
    final LongAdder rollovers = new LongAdder();
    /** Connected links whose stream ended. */
    final LongAdder lost = new LongAdder();
    /** The uuids the sidekicks acknowledged as durable, when asked for (--acked-file); else null. */
    final Queue<String> ackedUuids;

    FleetCounters(boolean keepAckedUuids) {
        this.ackedUuids = keepAckedUuids ? new ConcurrentLinkedQueue<>() : null;
    }
}
