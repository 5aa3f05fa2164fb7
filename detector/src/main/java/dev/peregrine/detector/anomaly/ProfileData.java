package dev.peregrine.detector.anomaly;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A profile as saved, exported and imported: plain data, JSON through Jackson. The forest is not
 * in it: it is rebuilt from the learnt windows (with a seed from the key, so every node that
 * imports a profile scores alike). Times are epoch nanoseconds.
 *
 * @param windowSeconds the window length the windows were counted with; windows of another length
 *     are dropped on load (the sets still apply)
 * @param sets learnt items by kind id ({@link AnomalyKind#id})
 * @param saturated kind ids whose set was full
 * @param reported "kind item" → when first reported
 * @param windows learnt windows: count by event type
 */
public record ProfileData(
        int version,
        String key,
        boolean learning,
        long learningStartedNs,
        long frozenNs,
        long events,
        long lastSeenNs,
        long windowSeconds,
        Map<String, List<String>> sets,
        List<String> saturated,
        Map<String, Long> reported,
        List<Map<String, Integer>> windows,
        long windowsOffered) {
    public static final int VERSION = 1;

    static ProfileData of(Profile p, AnomalySettings s) {
        Map<String, List<String>> sets = new LinkedHashMap<>();
        List<String> saturated = new ArrayList<>();
        for (AnomalyKind k : AnomalyKind.values()) {
            if (!k.isSet()) continue;
            ItemSet set = p.set(k);
            sets.put(k.id, set.items());
            if (set.saturated()) saturated.add(k.id);
        }
        List<Map<String, Integer>> windows = new ArrayList<>();
        for (int[] w : p.windows.training) {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (int i = 0; i < w.length; i++) {
                if (w[i] != 0) m.put(EventSlots.name(i), w[i]);
            }
            windows.add(m);
        }
        return new ProfileData(
                VERSION,
                p.key,
                p.learning,
                p.learningStartedNs,
                p.frozenNs,
                p.events,
                p.lastSeenNs,
                s.window().toSeconds(),
                sets,
                saturated,
                new LinkedHashMap<>(p.reported),
                windows,
                p.windows.offered);
    }

    Profile toProfile(AnomalySettings s) {
        Profile p = new Profile(key, s.maxItems(), learningStartedNs);
        p.learning = learning;
        p.frozenNs = frozenNs;
        p.events = events;
        p.lastSeenNs = lastSeenNs;
        if (sets != null) {
            sets.forEach((id, items) -> {
                AnomalyKind k = AnomalyKind.byId(id);
                if (k != null && k.isSet()) p.set(k).addAll(items);
            });
        }
        if (saturated != null) {
            saturated.forEach(id -> {
                AnomalyKind k = AnomalyKind.byId(id);
                if (k != null && k.isSet()) p.set(k).saturated(true);
            });
        }
        if (reported != null) p.reported.putAll(reported);
        if (windows != null && windowSeconds == s.window().toSeconds()) {
            for (Map<String, Integer> m : windows) {
                int[] w = new int[EventSlots.COUNT];
                m.forEach((type, n) -> {
                    int slot = EventSlots.slot(type);
                    if (slot >= 0) w[slot] = n;
                });
                if (p.windows.training.size() < s.maxTrainingWindows()) p.windows.training.add(w);
            }
            p.windows.offered = Math.max(windowsOffered, p.windows.training.size());
        }
        if (!p.learning) p.windows.freeze(s, key.hashCode());
        p.dirty = false;
        return p;
    }

    /** Items learnt, over all sets. */
    public int items() {
        return sets == null ? 0 : sets.values().stream().mapToInt(List::size).sum();
    }
}
