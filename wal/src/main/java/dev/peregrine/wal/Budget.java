package dev.peregrine.wal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A store's disk budget: the payload bytes it holds against the most it may hold. What happens
 * at the limit is the store's decision (refuse new writes, or drop the oldest); this only
 * counts. Thread-safe.
 */
public final class Budget {
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();

    public Budget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long used() {
        return used.get();
    }

    /** Whether {@code more} bytes still fit. */
    public boolean fits(long more) {
        return used.get() + more <= maxBytes;
    }

    /** Whether nothing more fits. */
    public boolean full() {
        return used.get() >= maxBytes;
    }

    /** Counts bytes written ({@code bytes} positive) or removed (negative). */
    public void add(long bytes) {
        used.addAndGet(bytes);
    }

    /** Sets the count, e.g. from the table itself at start. */
    public void set(long bytes) {
        used.set(bytes);
    }
}
