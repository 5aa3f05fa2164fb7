package dev.peregrine.detector.anomaly;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One learnt set of a profile (executables, peers, ...), bounded: once full it stops learning and
 * is marked saturated, and a saturated set never reports anything as new, because it can no
 * longer tell new from forgotten.
 */
final class ItemSet {
    private final Set<String> items = new LinkedHashSet<>();
    private final int max;
    private boolean saturated;

    ItemSet(int max) {
        this.max = max;
    }

    /** Learns {@code item}; false when the set is full (and now saturated) or knew it already. */
    boolean add(String item) {
        if (items.contains(item)) return false;
        if (items.size() >= max) {
            saturated = true;
            return false;
        }
        items.add(item);
        return true;
    }

    boolean contains(String item) {
        return items.contains(item);
    }

    /** Whether {@code item} is news: not learnt, and the set can still tell. */
    boolean isNew(String item) {
        return !saturated && !items.contains(item);
    }

    boolean saturated() {
        return saturated;
    }

    void saturated(boolean v) {
        saturated = v;
    }

    int size() {
        return items.size();
    }

    List<String> items() {
        return List.copyOf(items);
    }

    void addAll(Collection<String> c) {
        c.forEach(this::add);
    }

    void clear() {
        items.clear();
        saturated = false;
    }
}
