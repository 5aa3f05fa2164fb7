package dev.peregrine.sidekick.dedup;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import dev.peregrine.sidekick.spool.SpoolEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Dedup and grouping for one output, on the delivery side: sees the output's spool entries in
 * queue order before they are sent, and decides which go out now.
 *
 * <ul>
 *   <li>The first alert of a key (dedup) or rule (group) opens a window and is delivered at once.
 *       So does an alert more severe than any in its key's window: it ends that window early.
 *   <li>Later alerts of that key within the window are counted into it, and removed from the
 *       output's queue only after the count is on disk: accounted for, never lost.
 *   <li>When the window has ended, a follow-up (dedup: the last duplicate with the count) or a
 *       summary (group) is written into the output's queue, then the window is forgotten. Its
 *       uuid is derived from the window, so writing it again after a crash queues nothing new.
 * </ul>
 *
 * <p>Crash safety rests on spool ids only growing and the queue being read in id order: a
 * window records the ids of its first and last counted alert, so an entry the spool still holds
 * after a restart is recognised as counted already (skipped) or as the window's first alert
 * (delivered again: at least once). A window is closed only once every entry up to its last id
 * has been read in this run.
 *
 * <p>Not thread-safe: used by the output's one reader thread. Time comes from the injected clock.
 */
public final class Aggregator {
    /** Output fields of a dedup follow-up. */
    public static final String DEDUP_COUNT = "peregrine.dedup.count";

    public static final String DEDUP_FIRST_SEEN = "peregrine.dedup.first_seen";
    public static final String DEDUP_LAST_SEEN = "peregrine.dedup.last_seen";
    public static final String DEDUP_FIRST_UUID = "peregrine.dedup.first_uuid";
    /** Output fields of a group summary. */
    public static final String GROUP_COUNT = "peregrine.group.count";

    public static final String GROUP_FIRST_SEEN = "peregrine.group.first_seen";
    public static final String GROUP_LAST_SEEN = "peregrine.group.last_seen";
    public static final String GROUP_BY = "peregrine.group.by";
    public static final String GROUP_COUNTS = "peregrine.group.counts";

    /** Where counted entries go and follow-ups come from: the output's spool queue. */
    public interface Queue {
        /** Removes an entry that was counted into a window (may complete later). */
        void remove(SpoolEntry entry);

        /**
         * Queues follow-ups (uuid to payload) for this output and returns once they are on disk
         * (true, also when a uuid was queued before), or false when they cannot all be now
         * (spool full): they are offered again later.
         */
        boolean enqueue(Map<String, byte[]> followUps);
    }

    private final String output;
    private final Policy policy;
    private final DedupStore store;
    private final Clock clock;
    private final Queue queue;
    private final MeterRegistry metrics;
    /** By kind + key: the window that is open. */
    private final Map<String, Window> open = new HashMap<>();
    /** Ended, follow-up not yet queued. */
    private final List<Window> closing = new ArrayList<>();

    private final Counter followUps;
    private long maxSeenId;
    private boolean caughtUp;

    public Aggregator(String output, Policy policy, DedupStore store, Clock clock, Queue queue, MeterRegistry metrics) {
        this.output = output;
        this.policy = policy;
        this.store = store;
        this.clock = clock;
        this.queue = queue;
        this.metrics = metrics;
        this.followUps = Counter.builder("peregrine.dedup.followups")
                .tag("output", output)
                .tag("mode", policy.kind())
                .description("Dedup follow-ups and group summaries queued")
                .register(metrics);
        load();
    }

    /** (Re)reads this output's windows: what is on disk is what counts. */
    private void load() {
        open.clear();
        closing.clear();
        for (Window w : store.load(output)) {
            // Ordered by first id: a later window of the same key replaces an earlier one, which
            // must have ended (a window opens only after the previous one of its key ended).
            Window earlier = open.put(id(w.kind, w.key), w);
            if (earlier != null) {
                closing.add(earlier);
            }
        }
    }

    /** Open and closing windows, for logs and tests. */
    public int windows() {
        return open.size() + closing.size();
    }

    /**
     * Takes the entries just read from the output's queue, in order, and returns those to deliver
     * now. The others were counted into a window (on disk before this returns) and removed.
     */
    public List<SpoolEntry> admit(List<SpoolEntry> entries) {
        if (entries.isEmpty()) {
            return entries;
        }
        maxSeenId = Math.max(maxSeenId, entries.getLast().id());
        if (policy instanceof Policy.None) {
            return entries;
        }
        long now = clock.millis();
        List<SpoolEntry> deliver = new ArrayList<>(entries.size());
        List<SpoolEntry> counted = new ArrayList<>();
        Set<Window> dirty = new LinkedHashSet<>();
        List<String> suppressed = new ArrayList<>();
        for (SpoolEntry e : entries) {
            Alert alert;
            try {
                alert = AlertJson.read(e.payload(), clock::instant);
            } catch (AlertRejectedException ex) {
                deliver.add(e); // delivery buries it
                continue;
            }
            if (isFollowUp(alert)) {
                deliver.add(e);
                continue;
            }
            String key = policy instanceof Policy.Dedup d ? d.key().of(alert) : alert.rule();
            String id = id(policy.kind(), key);
            Window w = open.get(id);
            switch (seenBefore(id, w, e)) {
                case FIRST -> {
                    deliver.add(e);
                    continue;
                }
                case COUNTED -> {
                    counted.add(e);
                    continue;
                }
                case NEW -> {
                    /* below */
                }
            }
            if (w != null && e.id() > w.firstId && now < w.closesAt && w.maxPriority.atLeast(alert.priority())) {
                absorb(w, alert, e);
                dirty.add(w);
                counted.add(e);
                suppressed.add(alert.rule());
                continue;
            }
            if (w != null && e.id() > w.lastId) {
                // Ended, or escalated: an alert more severe than any in the window never waits.
                // Every entry up to the window's last id has been read, so it can be reported.
                closing.add(w);
            } else if (w != null) {
                // Older than the open window (a window before it was closed while this entry
                // still waited): deliver, at least once.
                deliver.add(e);
                continue;
            }
            Window opened = openWindow(alert, e, key, now);
            open.put(id, opened);
            dirty.add(opened);
            deliver.add(e);
        }
        try {
            store.save(output, dirty);
        } catch (RuntimeException ex) {
            load(); // forget what was not saved; the caller delivers the whole batch
            throw ex;
        }
        counted.forEach(queue::remove);
        for (String rule : suppressed) {
            Counter.builder("peregrine.dedup.suppressed")
                    .tag("output", output)
                    .tag("rule", rule)
                    .tag("mode", policy.kind())
                    .description("Alerts not delivered on their own: counted into a dedup follow-up or a group summary")
                    .register(metrics)
                    .increment();
        }
        return deliver;
    }

    /**
     * Queues the follow-ups of windows that have ended and forgets them.
     *
     * @param queueDrained the last read found the queue empty: every entry that was there at
     *     startup has been read
     */
    public void flush(boolean queueDrained) {
        caughtUp |= queueDrained;
        long now = clock.millis();
        for (Iterator<Window> it = open.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (now >= w.closesAt && (caughtUp || w.lastId <= maxSeenId)) {
                it.remove();
                closing.add(w);
            }
        }
        if (closing.isEmpty()) {
            return;
        }
        Map<String, byte[]> queued = new LinkedHashMap<>();
        for (Window w : closing) {
            if (reportable(w)) {
                Alert followUp = followUp(w);
                queued.put(followUp.uuid(), AlertJson.write(followUp));
            }
        }
        if (!queued.isEmpty() && !queue.enqueue(queued)) {
            return; // spool full: the windows stay, their follow-ups are offered again next time
        }
        followUps.increment(queued.size());
        store.delete(output, closing);
        closing.clear();
    }

    private enum Seen {
        NEW,
        FIRST,
        COUNTED
    }

    /** Whether {@code e} is a window's first alert or was counted already (both only happen after a restart). */
    private Seen seenBefore(String id, Window current, SpoolEntry e) {
        if (current != null) {
            Seen s = seenIn(current, e);
            if (s != Seen.NEW) {
                return s;
            }
        }
        for (Window w : closing) {
            if (id(w.kind, w.key).equals(id)) {
                Seen s = seenIn(w, e);
                if (s != Seen.NEW) {
                    return s;
                }
            }
        }
        return Seen.NEW;
    }

    private static Seen seenIn(Window w, SpoolEntry e) {
        if (e.uuid().equals(w.firstUuid)) {
            return Seen.FIRST;
        }
        return e.id() > w.firstId && e.id() <= w.lastId ? Seen.COUNTED : Seen.NEW;
    }

    private Window openWindow(Alert alert, SpoolEntry e, String key, long now) {
        long closesAt =
                now + (policy instanceof Policy.Dedup d ? d.window() : ((Policy.Group) policy).window()).toMillis();
        Window w = new Window(
                policy.kind(),
                key,
                alert.rule(),
                closesAt,
                e.uuid(),
                e.id(),
                e.id(),
                0,
                alert.time(),
                alert.time(),
                alert.priority(),
                Map.of(),
                e.payload());
        if (policy instanceof Policy.Group g) {
            w.count = 1;
            w.countBucket(bucket(g, alert));
        }
        return w;
    }

    private void absorb(Window w, Alert alert, SpoolEntry e) {
        w.count++;
        w.lastId = e.id();
        if (alert.time().isBefore(w.firstSeen)) {
            w.firstSeen = alert.time();
        }
        if (alert.time().isAfter(w.lastSeen)) {
            w.lastSeen = alert.time();
        }
        if (alert.priority().atLeast(w.maxPriority)) {
            w.maxPriority = alert.priority();
        }
        if (policy instanceof Policy.Group g) {
            w.countBucket(bucket(g, alert));
            w.sample = common(w.sample, alert);
        } else {
            w.sample = e.payload();
        }
    }

    private static String bucket(Policy.Group g, Alert alert) {
        return String.join("/", g.by().values(alert));
    }

    /** The sample reduced to the output fields (and hostname) it shares with {@code alert}. */
    private byte[] common(byte[] sample, Alert alert) {
        Alert s = AlertJson.read(sample, clock::instant);
        TreeMap<String, Object> fields = new TreeMap<>(s.outputFields());
        boolean changed = fields.entrySet()
                .removeIf(
                        f -> !Objects.equals(f.getValue(), alert.outputFields().get(f.getKey()))
                                || !alert.outputFields().containsKey(f.getKey()));
        String hostname = s.hostname().equals(alert.hostname()) ? s.hostname() : "";
        if (!changed && hostname.equals(s.hostname())) {
            return sample;
        }
        return AlertJson.write(new Alert(
                s.uuid(),
                s.time(),
                s.rule(),
                s.priority(),
                s.source(),
                s.output(),
                fields,
                s.tags(),
                hostname,
                s.message(),
                s.origin()));
    }

    private static boolean reportable(Window w) {
        return w.kind.equals("group") ? w.count > 1 : w.count > 0;
    }

    private static boolean isFollowUp(Alert a) {
        return a.outputFields().containsKey(DEDUP_COUNT) || a.outputFields().containsKey(GROUP_COUNT);
    }

    private Alert followUp(Window w) {
        Alert s = AlertJson.read(w.sample, clock::instant);
        String uuid = UUID.nameUUIDFromBytes(
                        (output + "|" + w.kind + "|" + w.firstUuid).getBytes(StandardCharsets.UTF_8))
                .toString();
        String first = AlertJson.formatTime(w.firstSeen);
        String last = AlertJson.formatTime(w.lastSeen);
        Map<String, Object> fields = new LinkedHashMap<>();
        if (w.kind.equals("group")) {
            fields.putAll(s.outputFields());
            fields.put(GROUP_COUNT, w.count);
            fields.put(GROUP_FIRST_SEEN, first);
            fields.put(GROUP_LAST_SEEN, last);
            fields.put(GROUP_BY, policy instanceof Policy.Group g ? g.by().toString() : "");
            List<Map.Entry<String, Long>> buckets = new ArrayList<>(w.buckets.entrySet());
            buckets.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey()));
            fields.put(
                    GROUP_COUNTS,
                    buckets.stream().map(b -> b.getKey() + "=" + b.getValue()).toList());
            String text = w.rule + ": " + w.count + " alerts from " + first + " to " + last + " ("
                    + String.join(
                            ", ",
                            buckets.stream()
                                    .map(b -> b.getKey() + ": " + b.getValue())
                                    .toList()) + ")";
            return new Alert(
                    uuid,
                    w.lastSeen,
                    w.rule,
                    w.maxPriority,
                    s.source(),
                    text,
                    new TreeMap<>(fields),
                    s.tags(),
                    s.hostname(),
                    null,
                    s.origin());
        }
        fields.putAll(s.outputFields());
        fields.put(DEDUP_COUNT, w.count);
        fields.put(DEDUP_FIRST_SEEN, first);
        fields.put(DEDUP_LAST_SEEN, last);
        fields.put(DEDUP_FIRST_UUID, w.firstUuid);
        String text = s.output() + " (repeated: " + w.count + " more suppressed from " + first + " to " + last + ")";
        return new Alert(
                uuid,
                s.time(),
                s.rule(),
                s.priority(),
                s.source(),
                text,
                new TreeMap<>(fields),
                s.tags(),
                s.hostname(),
                s.message(),
                s.origin());
    }

    private static String id(String kind, String key) {
        return kind + '\u0000' + key;
    }
}
