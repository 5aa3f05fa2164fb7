package dev.peregrine.detector.process;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A map from {@code long} keys (pids, tids, fd numbers) to non-null values, by open addressing
 * with linear probing. The process and fd tables look up every event's thread, process and fd:
 * a {@code HashMap<Long, V>} boxes each key (an allocation for any pid above 127) and compares
 * keys through {@code Long.equals}, which was a tenth of the event thread's time. No primitive
 * collections library is a dependency of the detector, and this needs only a few operations.
 *
 * <p>Removal shifts the following entries back instead of leaving tombstones, so the table stays
 * fast under the open/close churn of fds. Not thread-safe.
 */
final class LongMap<V> {
    private static final int MIN_CAPACITY = 8;

    private long[] keys;
    /** A slot is empty when its value is null. */
    private Object[] values;

    private int size;
    private int mask;

    LongMap() {
        this(MIN_CAPACITY);
    }

    /** @param expected entries the map should hold without growing */
    LongMap(int expected) {
        int capacity = MIN_CAPACITY;
        while (capacity < 2 * expected) {
            capacity <<= 1;
        }
        allocate(capacity);
    }

    /** A copy: a forked child starts with its parent's fds. */
    LongMap(LongMap<V> other) {
        keys = other.keys.clone();
        values = other.values.clone();
        size = other.size;
        mask = other.mask;
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        return (V) values[find(key)];
    }

    /** The slot holding {@code key}, or the empty slot that ends its probe run. */
    private int find(long key) {
        int i = slot(key);
        while (values[i] != null && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    boolean containsKey(long key) {
        return get(key) != null;
    }

    /** @return the previous value, or null */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) {
            throw new NullPointerException("LongMap holds no null values");
        }
        int i = find(key);
        Object previous = values[i];
        values[i] = value;
        if (previous == null) {
            keys[i] = key;
            // At most half full: probes stay short, and there is always an empty slot to end a search.
            if (++size > (mask + 1) / 2) {
                grow();
            }
        }
        return (V) previous;
    }

    /** @return the removed value, or null when the key was absent */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        int i = find(key);
        Object v = values[i];
        if (v != null) {
            shiftBack(i);
            size--;
        }
        return (V) v;
    }

    /**
     * Empties slot {@code gap} and moves later entries of the same probe run into it when their
     * home slot does not lie (cyclically) between the gap and where they are, so every entry stays
     * reachable from its home slot without tombstones.
     */
    private void shiftBack(int gap) {
        int i = gap;
        while (true) {
            i = (i + 1) & mask;
            Object v = values[i];
            if (v == null) {
                break;
            }
            int home = slot(keys[i]);
            boolean staysPut = gap <= i ? (gap < home && home <= i) : (gap < home || home <= i);
            if (!staysPut) {
                keys[gap] = keys[i];
                values[gap] = v;
                gap = i;
            }
        }
        values[gap] = null;
        keys[gap] = 0;
    }

    /** Removes every entry whose value passes {@code test}. */
    @SuppressWarnings("unchecked")
    void removeIf(Predicate<? super V> test) {
        long[] doomed = null;
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null && test.test((V) values[i])) {
                if (doomed == null) {
                    doomed = new long[size];
                }
                doomed[n++] = keys[i];
            }
        }
        // Removing shifts entries back, possibly into slots already visited: remove after the scan.
        for (int i = 0; i < n; i++) {
            remove(doomed[i]);
        }
    }

    /** Replaces every value with what {@code f} makes of it (not null). */
    @SuppressWarnings("unchecked")
    void replaceAll(UnaryOperator<V> f) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                values[i] = Objects.requireNonNull(f.apply((V) values[i]));
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    @SuppressWarnings("unchecked")
    void forEachValue(Consumer<? super V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    /** Fibonacci hashing: pids and fds are small, dense numbers; multiplying spreads them over the table. */
    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 33) & mask;
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldKeys.length * 2);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                put(oldKeys[i], (V) oldValues[i]);
            }
        }
    }
}
