package dev.peregrine.detector.process;

import java.util.Arrays;

/**
 * The processes of the table, least recently seen first, for evicting when the table is full: a
 * binary min-heap keyed by {@link Proc#seen}. An event only writes its process's stamp (no heap
 * work on the event path), so a key may be older than its process's stamp; {@link #oldest}
 * re-files such a process before answering. Keys only ever lag behind stamps, so the process it
 * answers with is exactly the least recently seen one. Each process remembers its slot, so one
 * that exits leaves in O(log n). Not thread-safe.
 */
final class ProcessRecency {
    private Proc[] heap = new Proc[64];
    private long[] keys = new long[64];
    private int size;

    int size() {
        return size;
    }

    void add(Proc p) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        place(p, p.seen, size++);
        siftUp(size - 1);
    }

    void remove(Proc p) {
        int i = p.recencySlot;
        if (i < 0 || i >= size || heap[i] != p) {
            return;
        }
        p.recencySlot = -1;
        int last = --size;
        if (i != last) {
            place(heap[last], keys[last], i);
            siftDown(i);
            siftUp(i);
        }
        heap[last] = null;
    }

    /** The least recently seen process, left in place; null when empty. */
    Proc oldest() {
        while (size > 0 && keys[0] != heap[0].seen) {
            keys[0] = heap[0].seen;
            siftDown(0);
        }
        return size == 0 ? null : heap[0];
    }

    private void place(Proc p, long key, int i) {
        heap[i] = p;
        keys[i] = key;
        p.recencySlot = i;
    }

    private void siftUp(int i) {
        Proc p = heap[i];
        long key = keys[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            place(heap[parent], keys[parent], i);
            i = parent;
        }
        place(p, key, i);
    }

    private void siftDown(int i) {
        Proc p = heap[i];
        long key = keys[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] < keys[child]) {
                child++;
            }
            if (key <= keys[child]) {
                break;
            }
            place(heap[child], keys[child], i);
            i = child;
        }
        place(p, key, i);
    }
}
