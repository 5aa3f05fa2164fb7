package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The behaviour model: one {@link Profile} per workload ({@link WorkloadKey}), fed every event
 * the rules see, learning for a while and then reporting what the workload never did while it
 * learnt ({@link Novelty}) and windows unlike the learnt ones ({@link WindowBaseline}).
 *
 * <p>Runs on the event thread: {@link #observe} is called for every event and does a few field
 * compares and an array increment on the common path (an event of the same process as the last
 * one, of a type no learnt set looks at); {@link #tick} closes idle windows, freezes profiles and
 * hands changed profiles to the store. Anomalies go to {@code onAnomaly} on the same thread.
 */
public final class Baselines {
    static final int OPEN = Syscalls.number("open");
    static final int OPENAT = Syscalls.number("openat");
    static final int OPENAT2 = Syscalls.number("openat2");
    static final int CREAT = Syscalls.number("creat");
    static final int CONNECT = Syscalls.number("connect");
    static final int LISTEN = Syscalls.number("listen");
    static final int BIND = Syscalls.number("bind");
    /** connect on a non-blocking socket: the connection is under way. */
    private static final long EINPROGRESS = -115;
    /** A window is closed by {@link #tick} this long after its end, when no event of its profile closed it. */
    private static final long CLOSE_GRACE_NS = 1_000_000_000L;

    private final AnomalySettings settings;
    private final Consumer<Anomaly> onAnomaly;
    private final ProfileStore store;
    private final Novelty novelty;
    private final long learningNs, windowNs, relearnNs, saveNs;
    private final Map<String, Profile> profiles = new HashMap<>();
    /** Keys of profiles in the store not loaded yet (loaded when their workload shows up). */
    private final Set<String> stored;
    /** Lookup caches: a container's or a host executable's profile without building its key. */
    private final Map<ContainerInfo, Profile> byContainer = new IdentityHashMap<>();

    private final Map<String, Profile> byExe = new HashMap<>();
    private ProcessInfo lastProc;
    private ContainerInfo lastContainer;
    private Profile last;
    private final SplittableRandom random = new SplittableRandom(20);
    private long nextTickNs, nextSaveNs;
    // Counted by the event thread alone, read by the metrics scrape.
    private volatile long unattributed, suppressed, evictions, raised;
    private long unattributedCount;
    private final Timer scoring;
    /** What other threads may read: published by {@link #tick} once a second. */
    private volatile Map<String, Summary> summaries = Map.of();

    /** A profile's state as of the last tick, for other threads (metrics, tests). */
    public record Summary(String key, boolean learning, long learningStartedNs, long frozenNs, long events) {}

    public Baselines(AnomalySettings settings, MeterRegistry metrics, ProfileStore store, Consumer<Anomaly> onAnomaly) {
        this.settings = settings;
        this.onAnomaly = onAnomaly;
        this.store = store;
        this.novelty = new Novelty(settings, this::emit);
        learningNs = settings.learning().toNanos();
        windowNs = settings.window().toNanos();
        relearnNs =
                settings.relearn() == null ? Long.MAX_VALUE : settings.relearn().toNanos();
        saveNs = settings.saveInterval().toNanos();
        stored = store == null ? new HashSet<>() : new HashSet<>(store.keys());
        if (store != null) {
            for (ProfileData d : store.mostRecent(settings.maxProfiles())) {
                Profile p = d.toProfile(settings);
                profiles.put(p.key, p);
                stored.remove(p.key);
            }
        }
        Gauge.builder("peregrine.detector.anomaly.profiles", this, b -> b.count(true))
                .tag("state", "learning")
                .description("Behaviour profiles in memory, by state")
                .register(metrics);
        Gauge.builder("peregrine.detector.anomaly.profiles", this, b -> b.count(false))
                .tag("state", "frozen")
                .register(metrics);
        FunctionCounter.builder("peregrine.detector.anomaly.unattributed", this, b -> b.unattributed)
                .description("Events of containers whose metadata had not arrived, not given to any profile")
                .register(metrics);
        FunctionCounter.builder("peregrine.detector.anomaly.suppressed", this, b -> b.suppressed)
                .description("Anomalies not raised: over the per-profile, per-kind limit of a minute")
                .register(metrics);
        FunctionCounter.builder("peregrine.detector.anomaly.evictions", this, b -> b.evictions)
                .description("Profiles saved and dropped from memory because there were too many")
                .register(metrics);
        FunctionCounter.builder("peregrine.detector.anomaly.raised", this, b -> b.raised)
                .description("Anomaly alerts raised")
                .register(metrics);
        scoring = Timer.builder("peregrine.detector.anomaly.scoring")
                .description("Time to close and score one profile's window")
                .register(metrics);
    }

    /** Event types whose events the model needs made even when no rule reads them. */
    public static Set<String> eventTypes() {
        return Set.of("execve", "execveat", "connect", "listen", "bind", "open", "openat", "openat2", "creat");
    }

    /** Every event the rules see, with the type of the record it was made from. */
    public void observe(int recordType, Event e) {
        Profile p = profileOf(e);
        if (p == null) {
            unattributed = ++unattributedCount;
            return;
        }
        long ts = e.ts;
        if (ts >= p.windowEndNs) roll(p, ts);
        int slot = EventSlots.of(recordType);
        if (slot >= 0) p.window[slot]++;
        p.windowEvents++;
        p.events++;
        p.lastSeenNs = ts;
        if (p.lastProc != e.proc) {
            p.lastProc = e.proc;
            novelty.process(p, e);
        }
        if (p.lastUser != e.user) {
            p.lastUser = e.user;
            novelty.user(p, e); // a lookup only when the uid changed
        }
        if (p.lastContainer != e.container) p.lastContainer = e.container;
        if (recordType == RawEvent.PROC_EXEC) {
            novelty.exec(p, e);
        } else if (recordType == OPENAT || recordType == OPEN || recordType == OPENAT2 || recordType == CREAT) {
            FdInfo fd = e.fd;
            if (e.rawres >= 0 && fd != null && fd.name != null) {
                if (e.openWrite || recordType == CREAT) novelty.written(p, e, fd.name);
                if (e.openRead) novelty.read(p, e, fd.name);
            }
        } else if (recordType == CONNECT) {
            if ((e.rawres == 0 || e.rawres == EINPROGRESS) && e.fd != null) novelty.connect(p, e);
        } else if (recordType == LISTEN || recordType == BIND) {
            if (e.rawres == 0 && e.fd != null) novelty.listen(p, e, recordType == LISTEN);
        }
        if (p.learning && ts - p.learningStartedNs >= learningNs && p.events >= settings.learningMinEvents()) {
            freeze(p, ts);
        }
    }

    /** Called often from the event loop: closes idle windows, freezes idle learners, saves. */
    public void tick(long nowNs) {
        if (nowNs < nextTickNs) return;
        nextTickNs = nowNs + 1_000_000_000L;
        Map<String, Summary> published = new HashMap<>();
        for (Profile p : profiles.values()) {
            if (p.windowEndNs != 0 && nowNs >= p.windowEndNs + CLOSE_GRACE_NS) roll(p, nowNs);
            if (p.learning && nowNs - p.learningStartedNs >= learningNs && p.events >= settings.learningMinEvents()) {
                freeze(p, nowNs);
            }
            published.put(p.key, new Summary(p.key, p.learning, p.learningStartedNs, p.frozenNs, p.events));
        }
        summaries = Map.copyOf(published);
        if (store != null && nowNs >= nextSaveNs) {
            nextSaveNs = nowNs + saveNs;
            save();
        }
    }

    /** Hands every changed profile to the store (written on the store's thread). */
    public void save() {
        if (store == null) return;
        List<ProfileData> changed = new ArrayList<>();
        for (Profile p : profiles.values()) {
            if (p.dirty) {
                changed.add(ProfileData.of(p, settings));
                p.dirty = false;
            }
        }
        if (!changed.isEmpty()) store.saveLater(changed);
    }

    private Profile profileOf(Event e) {
        ProcessInfo proc = e.proc;
        ContainerInfo c = e.container;
        if (proc == lastProc && c == lastContainer && last != null) return last;
        Profile p;
        if (proc.name != null && proc.name.startsWith("runc:")) {
            // The runtime setting up a container or an exec: differs between docker run and
            // docker exec, and says nothing about the workload.
            p = null;
        } else if (c == null || c.isHost()) {
            String exe = proc.exepath != null && !proc.exepath.isEmpty() ? proc.exepath : proc.exe;
            p = exe == null ? null : byExe.get(exe);
            if (p == null && exe != null) {
                p = profile(WorkloadKey.of(c, proc, settings.keyBy()), e.ts);
                if (byExe.size() > 4 * settings.maxProfiles()) byExe.clear();
                if (p != null) byExe.put(exe, p);
            }
        } else {
            p = byContainer.get(c);
            if (p == null) {
                p = profile(WorkloadKey.of(c, proc, settings.keyBy()), e.ts);
                if (byContainer.size() > 4 * settings.maxProfiles()) byContainer.clear();
                if (p != null) byContainer.put(c, p);
            }
        }
        lastProc = proc;
        lastContainer = c;
        last = p;
        return p;
    }

    private Profile profile(String key, long ts) {
        if (key == null) return null;
        Profile p = profiles.get(key);
        if (p != null) return p;
        if (profiles.size() >= settings.maxProfiles()) evictOne();
        if (stored.remove(key)) {
            ProfileData d = store.load(key);
            if (d != null) {
                p = d.toProfile(settings);
            }
        }
        if (p == null) p = new Profile(key, settings.maxItems(), ts);
        profiles.put(key, p);
        return p;
    }

    private void evictOne() {
        Profile oldest = null;
        for (Profile p : profiles.values()) {
            if (oldest == null || p.lastSeenNs < oldest.lastSeenNs) oldest = p;
        }
        if (oldest == null) return;
        if (store != null) {
            store.saveLater(List.of(ProfileData.of(oldest, settings)));
            stored.add(oldest.key);
        }
        profiles.remove(oldest.key);
        byContainer.clear();
        byExe.clear();
        last = null;
        lastProc = null;
        evictions++;
    }

    /** Ends the profile's window (if it had events) and starts the one {@code ts} falls in. */
    private void roll(Profile p, long ts) {
        if (p.windowEndNs != 0 && p.windowEvents > 0) {
            long start = System.nanoTime();
            closeWindow(p);
            scoring.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        Arrays.fill(p.window, 0);
        p.windowEvents = 0;
        p.windowEndNs = (Math.floorDiv(ts, windowNs) + 1) * windowNs;
    }

    private void closeWindow(Profile p) {
        if (p.learning) {
            p.windows.learn(p.window, settings.maxTrainingWindows(), random);
            novelty.learnSyscalls(p);
            p.dirty = true;
            return;
        }
        long end = p.windowEndNs;
        novelty.syscalls(p, end);
        WindowBaseline w = p.windows;
        double score = w.score(p.window);
        boolean normal = true;
        if (!Double.isNaN(score) && score >= settings.threshold()) {
            normal = false;
            emit(new Anomaly(
                    AnomalyKind.SYSCALL_MIX,
                    p.key,
                    score,
                    p.windowEvents + " events",
                    w.training.size() + " windows over " + Novelty.duration(p.frozenNs - p.learningStartedNs),
                    String.format(
                            "%s: a %s window unlike the %d learnt (score %.2f, threshold %.2f): %s",
                            p.key,
                            Novelty.duration(windowNs),
                            w.training.size(),
                            score,
                            settings.threshold(),
                            w.explain(p.window)),
                    Novelty.context(p, end)));
        }
        normal &= rate(p, AnomalyKind.PROCESS_RATE, p.window[EventSlots.EXEC_SLOT], w.maxExec, "execs", end);
        normal &=
                rate(p, AnomalyKind.CONNECTION_RATE, p.window[EventSlots.CONNECT_SLOT], w.maxConnect, "connects", end);
        if (normal && relearnNs != Long.MAX_VALUE && w.forest != null) {
            w.learn(p.window, settings.maxTrainingWindows(), random);
            if (end - p.frozenNs >= relearnNs) {
                w.freeze(settings, p.key.hashCode());
                p.frozenNs = end;
            }
            p.dirty = true;
        }
    }

    /** Checks a rate against its learnt maximum; false when it raised an anomaly. */
    private boolean rate(Profile p, AnomalyKind kind, long value, long max, String what, long end) {
        if (p.windows.training.isEmpty()) return true;
        long limit = Math.max((long) Math.ceil(max * settings.rateFactor()), max + settings.rateSlack());
        if (value <= limit) return true;
        emit(new Anomaly(
                kind,
                p.key,
                1 - (double) limit / value / 2,
                Long.toString(value),
                "at most " + max + " per " + Novelty.duration(windowNs),
                String.format(
                        "%s: %d %s in %s, learnt at most %d per window over %s (limit %d)",
                        p.key,
                        value,
                        what,
                        Novelty.duration(windowNs),
                        max,
                        Novelty.duration(p.frozenNs - p.learningStartedNs),
                        limit),
                Novelty.context(p, end)));
        return false;
    }

    private void freeze(Profile p, long ts) {
        p.learning = false;
        p.frozenNs = ts;
        p.windows.freeze(settings, p.key.hashCode());
        p.dirty = true;
    }

    /** Sends an anomaly unless its profile raised too many of its kind this minute. */
    private void emit(Anomaly a) {
        Profile p = profiles.get(a.profile());
        if (p != null) {
            int k = a.kind().ordinal();
            long minute = Math.floorDiv(a.event().ts, 60_000_000_000L);
            if (p.alertMinute[k] != minute) {
                p.alertMinute[k] = minute;
                p.alertsInMinute[k] = 0;
            }
            if (++p.alertsInMinute[k] > settings.alertsPerMinute()) {
                suppressed++;
                return;
            }
        }
        raised++;
        onAnomaly.accept(a);
    }

    private double count(boolean learning) {
        return summaries.values().stream().filter(p -> p.learning() == learning).count();
    }

    /** The profiles as of the last tick (at most a second old); safe from any thread. */
    public Map<String, Summary> summaries() {
        return summaries;
    }

    /** The profile of a key as the store would write it; on the event thread only (or when it is stopped). */
    public ProfileData profileData(String key) {
        Profile p = profiles.get(key);
        return p == null ? null : ProfileData.of(p, settings);
    }

    public List<String> keys() {
        return List.copyOf(profiles.keySet());
    }
}
