package dev.peregrine.sidekick.mute;

import dev.peregrine.sidekick.alert.Alert;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutes in force, checked on every accepted alert: a map lookup by rule name, so alerts of
 * rules nobody muted cost nothing more. Held-back counts are kept in memory and added to the
 * table every few seconds; the list is re-read then too, so sidekicks sharing a PostgreSQL store
 * see each other's mutes.
 */
public final class Mutes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mutes.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MuteTable table;
    private final Clock clock;
    private volatile List<Mute> all = List.of();
    private volatile Map<String, List<Mute>> byRule = Map.of();
    private final Map<String, AtomicLong> unsaved = new ConcurrentHashMap<>();
    private final Thread saver;
    private volatile boolean running = true;

    private Mutes(MuteTable table, Clock clock, Duration saveEvery) {
        this.table = table;
        this.clock = clock;
        if (table != null) {
            reload();
            saver = Thread.ofVirtual().name("mutes-saver").start(() -> saveLoop(saveEvery));
        } else {
            saver = null;
        }
    }

    /** Mutes kept in the store's database. */
    public static Mutes in(javax.sql.DataSource db, Clock clock, Duration saveEvery) {
        return new Mutes(new MuteTable(db), clock, saveEvery);
    }

    /** No mutes, none can be made: for a sidekick without its dashboard. */
    public static Mutes none() {
        return new Mutes(null, Clock.systemUTC(), Duration.ZERO);
    }

    /** The mute that holds {@code alert} back, or null. */
    public Mute holding(Alert alert) {
        List<Mute> candidates = byRule.get(alert.rule());
        if (candidates == null) {
            return null;
        }
        Instant now = clock.instant();
        for (Mute m : candidates) {
            if (m.activeAt(now) && m.matches(alert)) {
                return m;
            }
        }
        return null;
    }

    /** Counts an alert {@code m} held back (once it is accepted: a resent duplicate is not counted). */
    public void held(Mute m) {
        unsaved.computeIfAbsent(m.id(), k -> new AtomicLong()).incrementAndGet();
    }

    /** Every mute, expired ones included, with its held-back count so far. */
    public synchronized List<Mute> list() {
        List<Mute> out = new ArrayList<>(all.size());
        for (Mute m : all) {
            AtomicLong pending = unsaved.get(m.id());
            out.add(pending == null ? m : m.withHits(m.hits() + pending.get()));
        }
        return out;
    }

    /**
     * Makes a mute.
     *
     * @throws IllegalArgumentException naming what is wrong with the request
     */
    public Mute add(String rule, Map<String, String> fields, String comment, Instant expiresAt, String createdBy) {
        if (table == null) {
            throw new IllegalStateException("mutes need the dashboard's store (peregrine.ui.enabled)");
        }
        if (rule == null || rule.isBlank()) {
            throw new IllegalArgumentException("rule: required");
        }
        if (fields == null || fields.isEmpty()) {
            throw new IllegalArgumentException(
                    "fields: choose at least one output field (e.g. proc.name) whose value the muted alerts share");
        }
        fields.forEach((k, v) -> {
            if (k == null || k.isBlank() || v == null) {
                throw new IllegalArgumentException("fields: each needs a name and a value");
            }
        });
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("expiresAt: must be in the future");
        }
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        SortedMap<String, String> sorted = new TreeMap<>(fields);
        Mute m = new Mute("m" + HexFormat.of().formatHex(id), rule, sorted, comment, createdBy, now, expiresAt, 0);
        try {
            table.insert(m);
        } catch (SQLException e) {
            throw new IllegalStateException("saving the mute failed: " + e.getMessage(), e);
        }
        reload();
        log.info(
                "mute {} by {}: rule '{}' where {}, until {} ({})",
                m.id(),
                createdBy,
                rule,
                sorted,
                expiresAt == null ? "deleted" : expiresAt,
                m.comment());
        return m;
    }

    public boolean remove(String id, String by) {
        if (table == null) {
            return false;
        }
        try {
            boolean removed = table.delete(id);
            if (removed) {
                log.info("mute {} deleted by {}", id, by);
            }
            reload();
            return removed;
        } catch (SQLException e) {
            throw new IllegalStateException("deleting the mute failed: " + e.getMessage(), e);
        }
    }

    private synchronized void reload() {
        try {
            List<Mute> loaded = table.all();
            Map<String, List<Mute>> index = new TreeMap<>();
            for (Mute m : loaded) {
                index.computeIfAbsent(m.rule(), k -> new ArrayList<>()).add(m);
            }
            all = List.copyOf(loaded);
            byRule = Map.copyOf(index);
        } catch (SQLException e) {
            log.warn("reading the mutes failed, keeping the ones known: {}", e.getMessage());
        }
    }

    private void saveLoop(Duration every) {
        while (running) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                break;
            }
            synchronized (this) {
                save();
                reload();
            }
        }
    }

    /** Adds the held-back counts so far to the table. */
    synchronized void save() {
        Map<String, Long> hits = new TreeMap<>();
        unsaved.forEach((id, n) -> {
            long v = n.getAndSet(0);
            if (v > 0) {
                hits.put(id, v);
            }
        });
        if (hits.isEmpty()) {
            return;
        }
        try {
            table.addHits(hits);
        } catch (SQLException e) {
            hits.forEach((id, n) ->
                    unsaved.computeIfAbsent(id, k -> new AtomicLong()).addAndGet(n));
            log.warn("saving mute counts failed, will retry: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        running = false;
        if (saver != null) {
            saver.interrupt();
            try {
                saver.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            save();
        }
    }
}
