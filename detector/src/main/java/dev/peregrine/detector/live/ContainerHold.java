package dev.peregrine.detector.live;

import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Events of a container whose metadata is on its way from its engine, held back from the rules
 * for a bounded time so that they are evaluated with the container's image, privileges and
 * labels: a container's first exec often comes before the engine's answer, and a short-lived
 * container is gone soon after. Each is kept as a snapshot of its state (process, ancestors, fd,
 * user) at its syscall; only the container is refreshed when it is released.
 *
 * <p>Released per container, in the order they came, as soon as the metadata is there, or when
 * the container's first held event has waited {@code maxWait}: then they are evaluated with what
 * is known, and later events of that container are no longer held while its engine keeps
 * silent. Nothing is dropped: past {@code maxHeld} events in all, the container held longest is
 * released early. The host's events are never held, and nor is a container's whose metadata has
 * arrived (one check of the container table per event of a container).
 *
 * <p>Owned by the event thread; not thread-safe. The counters are read by the metrics scrape.
 */
final class ContainerHold {
    /** One container's held events, oldest first. */
    private static final class Queue {
        /** A cgroup of the container, to ask the table about it. */
        final long cgroupId;

        final long since;
        final long deadline;
        final ArrayDeque<Event> events = new ArrayDeque<>();
        final ArrayDeque<Long> cgroups = new ArrayDeque<>();
        /** Released at its deadline, its metadata still missing: its events are no longer held. */
        boolean expired;

        Queue(long cgroupId, long now, long maxWaitNanos) {
            this.cgroupId = cgroupId;
            this.since = now;
            this.deadline = now + maxWaitNanos;
        }
    }

    /** What the hold reports of a released container. */
    interface Released {
        /**
         * {@code events} evaluated after {@code heldNanos}, with the engine's answer about their
         * container ({@code complete}) or without it (the wait was over, or no engine knew it).
         */
        void released(int events, long heldNanos, boolean complete);
    }

    private final ContainerLookup containers;
    private final long maxWaitNanos;
    private final int maxHeld;
    private final Consumer<Event> evaluate;
    private final Released released;
    /** By container id, in the order they were first held. */
    private final Map<String, Queue> queues = new LinkedHashMap<>();

    private int holding;

    /**
     * @param maxWaitNanos how long a container's events wait for its metadata at most; 0 holds nothing
     * @param maxHeld events held at most, over all containers
     * @param evaluate what is done with an event once released (the rules)
     */
    ContainerHold(
            ContainerLookup containers, long maxWaitNanos, int maxHeld, Consumer<Event> evaluate, Released released) {
        if (maxHeld < 1) throw new IllegalArgumentException("maxHeld must be at least 1: " + maxHeld);
        this.containers = containers;
        this.maxWaitNanos = maxWaitNanos;
        this.maxHeld = maxHeld;
        this.evaluate = evaluate;
        this.released = released;
    }

    /** Events held now. */
    int holding() {
        return holding;
    }

    /** Whether any container's events are held or remembered as given up. */
    boolean isEmpty() {
        return queues.isEmpty();
    }

    /**
     * Takes {@code e} (a live event: a snapshot of it is kept) when its container's events are to
     * wait; false when the caller evaluates it now (after any of its container's held events, which
     * this then releases). Events of the host are never taken; neither
     * are those of a container whose metadata is there, after its held ones were released.
     */
    boolean offer(Event e, long cgroupId) {
        ContainerInfo c = e.container;
        if (c == null || c == ContainerInfo.HOST || maxWaitNanos <= 0) return false;
        Queue q = queues.isEmpty() ? null : queues.get(c.id);
        if (q == null) {
            if (!containers.awaitingMetadata(cgroupId)) return false;
            q = new Queue(cgroupId, System.nanoTime(), maxWaitNanos);
            queues.put(c.id, q);
        } else if (q.expired) {
            return false;
        } else if (!containers.awaitingMetadata(q.cgroupId)) {
            // The engine answered between two polls: the held events go first, in order.
            queues.remove(c.id);
            flush(q, System.nanoTime(), containers.described(q.cgroupId));
            return false;
        }
        if (holding >= maxHeld) {
            releaseOldest(System.nanoTime());
        }
        q.events.add(e.snapshot());
        q.cgroups.add(cgroupId);
        holding++;
        return true;
    }

    /**
     * Releases the containers whose metadata arrived, and those that waited their time (evaluated
     * with what is known); forgets given-up containers once their engine answered.
     */
    void release(long now) {
        for (Iterator<Map.Entry<String, Queue>> it = queues.entrySet().iterator(); it.hasNext(); ) {
            Queue q = it.next().getValue();
            boolean awaiting = containers.awaitingMetadata(q.cgroupId);
            if (q.expired) {
                if (!awaiting) it.remove();
            } else if (!awaiting) {
                it.remove();
                flush(q, now, containers.described(q.cgroupId));
            } else if (now - q.deadline >= 0) {
                q.expired = true;
                flush(q, now, false);
            }
        }
    }

    /** Releases everything held, as it is: when detection stops. */
    void releaseAll(long now) {
        Map<String, Queue> all = new HashMap<>(queues);
        queues.clear();
        for (Queue q : all.values()) {
            if (!q.expired) flush(q, now, containers.described(q.cgroupId));
        }
    }

    /** The container held longest goes now, so that the bound holds; counted as released without its metadata. */
    private void releaseOldest(long now) {
        for (Queue q : queues.values()) {
            if (!q.expired && !q.events.isEmpty()) {
                q.expired = true;
                flush(q, now, false);
                return;
            }
        }
    }

    private void flush(Queue q, long now, boolean complete) {
        int n = q.events.size();
        while (!q.events.isEmpty()) {
            Event e = q.events.poll();
            long cgroupId = q.cgroups.poll();
            holding--;
            // The container as the table knows it now: the engine's answer, or still only the cgroup's.
            e.container = containers.lookup(cgroupId, null, -1);
            evaluate.accept(e);
        }
        if (n > 0) released.released(n, now - q.since, complete);
    }
}
