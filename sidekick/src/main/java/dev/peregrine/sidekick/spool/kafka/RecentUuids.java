package dev.peregrine.sidekick.spool.kafka;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The uuids one replica has seen in the partitions it owns, for a window and up to a count:
 * a resent alert lands in the partition of its first copy, so its owner recognises it here.
 * Used by the consumer's thread alone.
 */
final class RecentUuids {
    private final long windowMillis;
    private final int max;
    /** uuid to when it was seen, oldest first. */
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

    RecentUuids(Duration window, int max) {
        this.windowMillis = window.toMillis();
        this.max = max;
    }

    /** Remembers {@code uuid}; true when it was seen before within the window. */
    boolean seenBefore(String uuid, long now) {
        forgetOlderThan(now - windowMillis);
        Long before = seen.putIfAbsent(uuid, now);
        if (seen.size() > max) {
            Iterator<Map.Entry<String, Long>> oldest = seen.entrySet().iterator();
            oldest.next();
            oldest.remove();
        }
        return before != null && before >= now - windowMillis;
    }

    int size() {
        return seen.size();
    }

    private void forgetOlderThan(long cutoff) {
        Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
        while (it.hasNext() && it.next().getValue() < cutoff) {
            it.remove();
        }
    }
}
