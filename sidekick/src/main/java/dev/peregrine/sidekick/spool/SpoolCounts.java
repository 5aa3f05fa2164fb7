package dev.peregrine.sidekick.spool;

import dev.peregrine.wal.Budget;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the spool holds, kept in memory so that metrics and the disk budget never query the
 * database: per output its waiting alerts, their payload bytes and its dead letters, and the
 * budget all outputs share. Loaded once at start, then changed by the writer after each commit.
 */
final class SpoolCounts {
    private final Budget budget;
    private final Map<String, Counts> byOutput = new ConcurrentHashMap<>();

    private static final class Counts {
        final AtomicLong count = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        /** Rows in the dead-letter table. */
        final AtomicLong dead = new AtomicLong();
    }

    SpoolCounts(long maxBytes) {
        this.budget = new Budget(maxBytes);
    }

    Budget budget() {
        return budget;
    }

    /** {@code count} entries of {@code bytes} more waiting for {@code output}. */
    void waiting(String output, long count, long bytes) {
        Counts c = of(output);
        c.count.addAndGet(count);
        c.bytes.addAndGet(bytes);
        budget.add(bytes);
    }

    /** {@code count} more (or fewer) dead letters for {@code output}. */
    void dead(String output, long count) {
        of(output).dead.addAndGet(count);
    }

    long depth(String output) {
        return of(output).count.get();
    }

    long bytes(String output) {
        return of(output).bytes.get();
    }

    /** Dead-lettered alerts by output (outputs with none left out). */
    Map<String, Long> deadByOutput() {
        Map<String, Long> out = new TreeMap<>();
        byOutput.forEach((output, c) -> {
            if (c.dead.get() > 0) {
                out.put(output, c.dead.get());
            }
        });
        return out;
    }

    Set<String> outputsWithBacklog() {
        Set<String> names = new HashSet<>();
        byOutput.forEach((output, c) -> {
            if (c.count.get() > 0) {
                names.add(output);
            }
        });
        return names;
    }

    private Counts of(String output) {
        return byOutput.computeIfAbsent(output, k -> new Counts());
    }
}
