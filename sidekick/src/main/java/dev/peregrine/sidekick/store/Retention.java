package dev.peregrine.sidekick.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

/**
 * Keeps the store within {@code peregrine.ui.retention}: alerts older than max-age are deleted, and
 * while the store is over max-size the oldest go until it is at 90% of it (so it is not trimmed
 * again by every next batch). Deletes run in chunks between the recorder's inserts.
 */
final class Retention {
    static final int CHUNK = 2000;
    private static final double LOW_WATER = 0.9;

    private final Duration maxAge;
    private final long maxBytes;
    private final Clock clock;
    private final Counter byAge;
    private final Counter bySize;

    Retention(Duration maxAge, long maxBytes, Clock clock, MeterRegistry metrics) {
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.byAge = deleted(metrics, "age");
        this.bySize = deleted(metrics, "size");
    }

    private static Counter deleted(MeterRegistry m, String reason) {
        return Counter.builder("peregrine.store.deleted")
                .tag("reason", reason)
                .description("Alerts deleted from the store by retention (peregrine.ui.retention)")
                .register(m);
    }

    /**
     * Enforces both limits once. {@code between} runs between chunks (the recorder's inserts). The
     * size limit is measured once: what it takes to get under it is worked out from the bytes per
     * alert then, so a database whose size statistics lag (PostgreSQL's) is not trimmed twice.
     */
    void enforce(StoreWriter w, Runnable between) throws SQLException {
        long cutoff = QuerySql.micros(clock.instant().minus(maxAge));
        int n;
        do {
            n = w.deleteBefore(cutoff, CHUNK);
            byAge.increment(n);
            between.run();
        } while (n == CHUNK);
        long used = w.usedBytes();
        if (used <= maxBytes) {
            return;
        }
        long count = w.count();
        if (count == 0) {
            return;
        }
        double perAlert = (double) used / count;
        long excess = used - (long) (maxBytes * LOW_WATER);
        long toDelete = Math.min(count, (long) Math.ceil(excess / perAlert));
        while (toDelete > 0) {
            n = w.deleteBefore(Long.MAX_VALUE, (int) Math.min(CHUNK, toDelete));
            bySize.increment(n);
            toDelete = n == 0 ? 0 : toDelete - n;
            between.run();
        }
    }
}
