package dev.peregrine.sidekick.spool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The entries committed for one reader's output since that reader last queried the database,
 * handed over in memory by the spool's writer right after each commit: a reader that has caught
 * up takes new entries from here instead of querying for them. At everyday rates a batch is one
 * alert, and the query per batch (on a page cache that every other connection's commit empties,
 * WAL mode) was the delivery side's largest cost.
 *
 * <p>The database stays the record: entries are offered only once committed, and leave the queue
 * only by the reader's removal, as before. When the handoff cannot hold everything committed
 * since the reader's last query (a backlog beyond {@link #CAPACITY}, or a requeue of dead
 * letters) it says so and drops what it holds, and the reader queries again; after a restart a
 * reader starts from the database too.
 */
final class Handoff {
    /** Entries held for one reader at most; a backlog beyond it is read from the database. */
    static final int CAPACITY = 1024;

    private final int capacity;
    private final ArrayDeque<SpoolEntry> entries = new ArrayDeque<>(); // guarded by this
    /** Entries were committed since the last {@link #resume} that are not held here. */
    private boolean incomplete = true; // guarded by this

    Handoff(int capacity) {
        this.capacity = capacity;
    }

    /** Entries just committed, in commit (id) order. Writer thread. */
    synchronized void offer(List<SpoolEntry> committed) {
        if (incomplete) {
            return;
        }
        if (entries.size() + committed.size() > capacity) {
            entries.clear();
            incomplete = true;
        } else {
            entries.addAll(committed);
        }
        notifyAll();
    }

    /** Entries were committed that were not offered: the reader has to query for them. */
    synchronized void invalidate() {
        entries.clear();
        incomplete = true;
        notifyAll();
    }

    /**
     * Called by the reader just before it queries the database: what is committed from now on is
     * offered, what was committed before the query is in its result (or still in the database).
     */
    synchronized void resume() {
        entries.clear();
        incomplete = false;
    }

    /**
     * Up to {@code max} entries with ids above {@code after}, waiting up to {@code millis} for
     * the first; empty when none came, null when entries may be missing (query the database).
     */
    synchronized List<SpoolEntry> take(long after, int max, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            if (incomplete) {
                return null;
            }
            // Also in the reader's last query result: committed between resume() and the query.
            while (!entries.isEmpty() && entries.peekFirst().id() <= after) {
                entries.pollFirst();
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (!entries.isEmpty() || left <= 0) {
                break;
            }
            wait(left);
        }
        List<SpoolEntry> taken = new ArrayList<>(Math.min(max, entries.size()));
        while (taken.size() < max && !entries.isEmpty()) {
            taken.add(entries.pollFirst());
        }
        return taken;
    }
}
