package dev.peregrine.sidekick.dedup;

import dev.peregrine.sidekick.alert.Priority;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state of one open dedup or group window of one output, as kept in memory and in
 * {@link DedupStore}. Mutable; owned by the output's delivery thread.
 *
 * <p>{@code firstId..lastId} are spool entry ids: the window's first alert (delivered) and the
 * last one counted into it. Spool ids only grow, so after a restart an entry of this key with an
 * id in {@code (firstId, lastId]} is known to be counted already and is not counted twice.
 */
final class Window {
    /** Most distinct buckets a group summary lists; the rest are counted together. */
    static final int MAX_BUCKETS = 50;

    static final String OTHER_BUCKETS = "(other)";

    final String kind;
    final String key;
    final String rule;
    final long closesAt;
    final String firstUuid;
    final long firstId;
    long lastId;
    /** dedup: duplicates suppressed; group: alerts in the group, the first included. */
    long count;

    Instant firstSeen;
    Instant lastSeen;
    Priority maxPriority;
    /** group: alerts per bucket of the "by" fields; empty for dedup. */
    final Map<String, Long> buckets;
    /** dedup: the last suppressed alert; group: the first alert with only the fields all alerts shared. */
    byte[] sample;

    Window(
            String kind,
            String key,
            String rule,
            long closesAt,
            String firstUuid,
            long firstId,
            long lastId,
            long count,
            Instant firstSeen,
            Instant lastSeen,
            Priority maxPriority,
            Map<String, Long> buckets,
            byte[] sample) {
        this.kind = kind;
        this.key = key;
        this.rule = rule;
        this.closesAt = closesAt;
        this.firstUuid = firstUuid;
        this.firstId = firstId;
        this.lastId = lastId;
        this.count = count;
        this.firstSeen = firstSeen;
        this.lastSeen = lastSeen;
        this.maxPriority = maxPriority;
        this.buckets = new LinkedHashMap<>(buckets);
        this.sample = sample;
    }

    void countBucket(String bucket) {
        String b = buckets.containsKey(bucket) || buckets.size() < MAX_BUCKETS ? bucket : OTHER_BUCKETS;
        buckets.merge(b, 1L, Long::sum);
    }
}
