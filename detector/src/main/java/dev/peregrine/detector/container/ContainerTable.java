package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * cgroup v2 id (what {@code bpf_get_current_cgroup_id()} returns: the inode of the cgroup's
 * directory in the unified hierarchy) to {@link ContainerInfo}.
 *
 * <p>{@link #lookup} never blocks: a known cgroup is a map read; an unknown one gets an entry at
 * once and is resolved on a virtual thread. The container id comes from the cgroup's leaf name
 * when the event carries it (fork/exec), else from the cgroup's path, found by scanning the
 * unified hierarchy for the directory with that inode. Until then an unknown cgroup reads as
 * {@link ContainerInfo#HOST}; once the container id is known and until its engine answers, as a
 * ContainerInfo with the id, type and (from a kubepods path) pod uid, other fields null. Metadata
 * comes from a {@link ContainerEngine} for the container's runtime: Docker (and podman, whose
 * service speaks the same API) through {@link DockerEngine}, containerd and CRI-O through the
 * Kubernetes CRI ({@link CriEngine}). A container no engine knows keeps what the cgroup path
 * tells. The table owns its engines: {@link #close()} closes those that are {@link AutoCloseable}.
 *
 * <p>Engines that announce their containers ({@link ContainerEngine#announces()}: Docker's
 * {@code /events}, containerd's event service) are followed, each on a virtual thread: a container
 * is described when its engine creates it, before its first process runs, so that its first events
 * already carry its metadata. A container the table learns of only from its events (an engine
 * without such a stream, a stream that broke) is asked for then; {@link #awaitingMetadata} tells
 * the event side while that answer is on its way.
 *
 * <p>A maintenance virtual thread sweeps every {@code sweepInterval}: cgroups whose directory is
 * gone on two sweeps in a row are forgotten, and past {@code maxEntries} the least recently looked
 * up ones go. {@link #stats()} has counters for metrics.
 */
public final class ContainerTable implements AutoCloseable, ContainerLookup {
    public static final Path CGROUP_V2_HYBRID = Path.of("/sys/fs/cgroup/unified");
    public static final Path CGROUP_V2_PURE = Path.of("/sys/fs/cgroup");

    /**
     * @param cgroupRoot the cgroup v2 mount (null when the host has none: every cgroup id is then the host's)
     * @param maxEntries cgroups kept at most
     * @param sweepInterval how often dead cgroups are looked for
     * @param retryDelay first delay before asking an engine again after an I/O error (doubles, 3 tries)
     */
    public record Options(Path cgroupRoot, int maxEntries, Duration sweepInterval, Duration retryDelay) {
        public static Options defaults() {
            return new Options(detectCgroupRoot(), 16_384, Duration.ofSeconds(30), Duration.ofSeconds(1));
        }

        public Options withCgroupRoot(Path root) {
            return new Options(root, maxEntries, sweepInterval, retryDelay);
        }

        public Options withMaxEntries(int max) {
            return new Options(cgroupRoot, max, sweepInterval, retryDelay);
        }

        public Options withSweepInterval(Duration d) {
            return new Options(cgroupRoot, maxEntries, d, retryDelay);
        }
    }

    /**
     * Counters since start (monotonic) and current sizes.
     *
     * @param lookups {@link #lookup} calls
     * @param misses lookups of a cgroup not yet in the table
     * @param scans walks of the cgroup hierarchy
     * @param engineRequests containers asked of an engine
     * @param engineUnknown containers no engine knew (or no engine for their runtime)
     * @param engineErrors engine requests that failed (I/O, timeout, bad answer)
     * @param evictedDead cgroups forgotten because their directory is gone
     * @param evictedOverflow cgroups forgotten because the table was full
     * @param cgroups cgroups in the table now
     * @param containers containers in the table now
     * @param announced containers described because their engine announced them (created, started)
     * @param followBreaks times an engine's event stream could not be opened or broke
     */
    public record Stats(
            long lookups,
            long misses,
            long scans,
            long engineRequests,
            long engineUnknown,
            long engineErrors,
            long evictedDead,
            long evictedOverflow,
            int cgroups,
            int containers,
            long announced,
            long followBreaks) {}

    /** One cgroup. */
    private static final class Entry {
        final long cgroupId;
        final long createdNanos = System.nanoTime();
        volatile Container container; // null: the host
        volatile String path; // relative to the cgroup root, e.g. "/docker/<id>"; null while unknown
        volatile long lastUsedNanos = createdNanos;
        volatile boolean goneOnce;
        /** Set once the entry has left the table, so that {@link #last} no longer answers with it. */
        volatile boolean removed;

        final CompletableFuture<Void> settled = new CompletableFuture<>();

        Entry(long cgroupId) {
            this.cgroupId = cgroupId;
        }

        ContainerInfo info() {
            Container c = container;
            return c == null ? ContainerInfo.HOST : c.info;
        }
    }

    private final Options options;
    private final Path procRoot;
    private final CgroupHierarchy hierarchy;
    private final ContainerEngines engines;
    private final long rootId;
    private final Map<Long, Entry> byCgroup = new ConcurrentHashMap<>();
    private final Map<String, Container> byId = new ConcurrentHashMap<>();
    private final List<Consumer<ContainerInfo>> forgetListeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread maintenance;
    private final Object maintenanceSignal = new Object();

    private final LongAdder lookups = new LongAdder();
    /**
     * The entry of the previous lookup. Events come in long runs from one cgroup, and the shared
     * map's lookup (boxing the id), the counter's atomic add and the clock read with its volatile
     * write cost more than the rest of an event's table work; a repeated lookup of the same cgroup
     * takes this shortcut instead. Its entry's last use is refreshed every {@link #REFRESH} repeats,
     * often enough for the least-recently-used order of {@link #trim}.
     */
    private volatile Entry last;
    /**
     * Lookups answered by {@link #last}, counted in a plain field: there is one event thread; were
     * there several, the count would only be approximate.
     */
    private long repeats;

    private static final int REFRESH = 1024;
    private final LongAdder misses = new LongAdder();
    private final ContainerAnnouncements announcements;

    private final LongAdder evictedDead = new LongAdder();
    private final LongAdder evictedOverflow = new LongAdder();

    public ContainerTable(List<? extends ContainerEngine> engines, Options options) {
        this(engines, options, Path.of("/proc"));
    }

    ContainerTable(List<? extends ContainerEngine> engines, Options options, Path procRoot) {
        this.procRoot = procRoot;
        this.options = options;
        this.hierarchy = new CgroupHierarchy(options.cgroupRoot(), procRoot);
        this.engines = new ContainerEngines(engines, options.retryDelay(), closed);
        this.rootId = hierarchy.rootId();
        this.maintenance = Thread.ofVirtual().name("peregrine-container-sweep").start(this::maintain);
        this.announcements = new ContainerAnnouncements(
                engines, this.engines, closed, this::describedAlready, this::announced, this::async);
    }

    /** The Docker, podman, containerd (CRI) and CRI-O engines at their default sockets, default options. */
    public static ContainerTable withDefaultEngines() {
        return withDefaultEngines(List.of());
    }

    /**
     * Docker and podman at their sockets, and the CRI at {@code criSockets} (Falco's {@code --cri}:
     * tried in order, each for containerd's and CRI-O's containers), or when there are none at the
     * paths containerd and CRI-O commonly use ({@link CriEngine#CONTAINERD_SOCKETS},
     * {@link CriEngine#CRIO_SOCKETS}).
     */
    public static ContainerTable withDefaultEngines(List<Path> criSockets) {
        return new ContainerTable(defaultEngines(criSockets, Duration.ofSeconds(5)), Options.defaults());
    }

    static List<ContainerEngine> defaultEngines(List<Path> criSockets, Duration timeout) {
        List<ContainerEngine> engines =
                new ArrayList<>(List.of(DockerEngine.docker(timeout), DockerEngine.podman(timeout)));
        if (criSockets.isEmpty()) {
            CriEngine.CONTAINERD_SOCKETS.forEach(
                    p -> engines.add(new CriEngine(p, ContainerIds.Runtime.CONTAINERD, timeout)));
            CriEngine.CRIO_SOCKETS.forEach(p -> engines.add(new CriEngine(p, ContainerIds.Runtime.CRIO, timeout)));
        } else {
            for (Path p : criSockets) {
                engines.add(new CriEngine(p, ContainerIds.Runtime.CONTAINERD, timeout));
                engines.add(new CriEngine(p, ContainerIds.Runtime.CRIO, timeout));
            }
        }
        return engines;
    }

    /** /sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on pure cgroup v2 hosts, else null. */
    public static Path detectCgroupRoot() {
        if (Files.exists(CGROUP_V2_HYBRID.resolve("cgroup.controllers"))) return CGROUP_V2_HYBRID;
        if (Files.exists(CGROUP_V2_PURE.resolve("cgroup.controllers"))) return CGROUP_V2_PURE;
        return null;
    }

    /** The cgroup id of the hierarchy's root: host processes outside any cgroup have it. */
    public long rootCgroupId() {
        return rootId;
    }

    /**
     * The container of a cgroup. Never blocks.
     *
     * @param cgroupId the event's cgroup v2 id
     * @param cgroupLeaf the leaf name of the task's cgroup v2 directory when the event has it, else null
     */
    public ContainerInfo lookup(long cgroupId, String cgroupLeaf) {
        return lookup(cgroupId, cgroupLeaf, -1);
    }

    /**
     * As {@link #lookup(long, String)}, with the pid of the event's process: for a cgroup not seen
     * before and without a container leaf, its /proc/PID/cgroup is read (on the resolving virtual
     * thread) before falling back to walking the hierarchy.
     */
    public ContainerInfo lookup(long cgroupId, String cgroupLeaf, long pid) {
        Entry e = last;
        if (e != null && e.cgroupId == cgroupId && !e.removed && cgroupLeaf == null) {
            if (++repeats % REFRESH == 0) {
                e.lastUsedNanos = System.nanoTime();
            }
            return e.info();
        }
        lookups.increment();
        e = byCgroup.get(cgroupId);
        if (e == null) {
            misses.increment();
            e = create(cgroupId, cgroupLeaf, null, pid);
        } else if (cgroupLeaf != null && e.container == null) {
            // Made by an earlier event without the leaf (runc's init opening files in the new
            // cgroup before its exec), the entry reads as the host until its path is found, if it
            // is: the exec's leaf names the container now.
            Entry unresolved = e;
            ContainerIds.fromLeaf(cgroupLeaf).ifPresent(ref -> unresolved.container = container(ref));
        }
        e.lastUsedNanos = System.nanoTime();
        last = e;
        return e.info();
    }

    /**
     * A few live processes of the cgroup, for reading the container's own files (its
     * /etc/passwd) when the event's process has exited already. Empty when the path is unknown.
     */
    @Override
    public long[] pids(long cgroupId) {
        Entry e = byCgroup.get(cgroupId);
        if (e == null || e.path == null || options.cgroupRoot() == null || !e.path.startsWith("/")) {
            return new long[0];
        }
        try (var lines =
                Files.lines(options.cgroupRoot().resolve(e.path.substring(1)).resolve("cgroup.procs"))) {
            return lines.limit(4).mapToLong(Long::parseLong).toArray();
        } catch (IOException | RuntimeException ex) {
            return new long[0];
        }
    }

    public ContainerInfo lookup(long cgroupId) {
        return lookup(cgroupId, null, -1);
    }

    @Override
    public boolean awaitingMetadata(long cgroupId) {
        Entry e = last;
        if (e == null || e.cgroupId != cgroupId) e = byCgroup.get(cgroupId);
        if (e == null) return false;
        Container c = e.container;
        return c != null && !c.metadata.isDone();
    }

    /**
     * Adds a process's cgroup from /proc/PID/cgroup, for processes that ran before the capture
     * started. Blocking (reads procfs): for startup, not the event path.
     */
    public ContainerInfo seedPid(long pid, long cgroupId) {
        Entry e = byCgroup.get(cgroupId);
        if (e != null) return e.info();
        String path;
        try {
            path = ContainerIds.v2Path(Files.readString(procRoot.resolve(pid + "/cgroup")));
        } catch (IOException e1) {
            path = null;
        }
        return create(cgroupId, null, path, -1).info();
    }

    /**
     * Walks the cgroup hierarchy once and adds every cgroup found, containers and host alike, so
     * that containers running before the detector started are known (and their metadata asked
     * for) before their first event. Blocking: for startup.
     *
     * @return the number of containers found
     */
    public int seedFromCgroups() {
        CgroupHierarchy.Index idx = hierarchy.scan();
        for (Map.Entry<Long, String> p : idx.paths().entrySet()) {
            if (!byCgroup.containsKey(p.getKey())) create(p.getKey(), null, p.getValue(), -1);
        }
        return (int) byCgroup.values().stream()
                .map(en -> en.container)
                .filter(c -> c != null)
                .distinct()
                .count();
    }

    /**
     * Waits until what the table is doing about a cgroup is done (its path found, its engine
     * answered or given up), then returns its info. Blocking: for startup and tests.
     */
    public ContainerInfo await(long cgroupId, String cgroupLeaf, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lookup(cgroupId, cgroupLeaf);
        Entry e = byCgroup.get(cgroupId);
        if (e == null) return lookup(cgroupId, cgroupLeaf);
        try {
            e.settled.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            Container c = e.container;
            if (c != null) c.metadata.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException ex) {
            throw new IllegalStateException(ex.getCause());
        }
        return e.info();
    }

    /**
     * Waits until the event stream of every engine that announces its containers is open (an
     * engine whose socket is absent is not waited for), at most {@code timeout}: containers
     * created after it returns true are described before their first process runs. Blocking: for
     * startup.
     */
    public boolean awaitFollowing(Duration timeout) throws InterruptedException {
        return announcements.awaitFollowing(timeout);
    }

    /**
     * Whether the container of the cgroup has its engine's answer (not only what its cgroup told:
     * no engine knew it, or none has answered yet); false for the host and unknown cgroups.
     */
    @Override
    public boolean described(long cgroupId) {
        Entry e = byCgroup.get(cgroupId);
        Container c = e == null ? null : e.container;
        return c != null && c.engineAnswered();
    }

    /** Called with each container the table forgets (it died, or the table was full), on the maintenance thread. */
    @Override
    public void onForget(Consumer<ContainerInfo> listener) {
        forgetListeners.add(listener);
    }

    public Stats stats() {
        return new Stats(
                lookups.sum() + repeats,
                misses.sum(),
                hierarchy.scans(),
                engines.requests(),
                engines.unknown(),
                engines.errors(),
                evictedDead.sum(),
                evictedOverflow.sum(),
                byCgroup.size(),
                byId.size(),
                announcements.announced(),
                announcements.breaks());
    }

    /**
     * Forgets cgroups whose directory was gone at this sweep and the previous one, then trims the
     * table to {@code maxEntries}. The maintenance thread calls it every {@code sweepInterval};
     * blocking (walks the hierarchy).
     */
    public void sweep() {
        if (options.cgroupRoot() != null) {
            CgroupHierarchy.Index idx = hierarchy.scan();
            for (Entry e : byCgroup.values()) {
                if (e.cgroupId == rootId || idx.paths().containsKey(e.cgroupId)) {
                    e.goneOnce = false;
                } else if (e.createdNanos < idx.builtNanos()) {
                    if (e.goneOnce) {
                        if (byCgroup.remove(e.cgroupId, e)) {
                            e.removed = true;
                            evictedDead.increment();
                        }
                    } else {
                        e.goneOnce = true;
                    }
                }
            }
        }
        trim();
        forgetUnreferencedContainers();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            maintenance.interrupt();
            announcements.close();
            engines.close();
        }
    }

    // ---- resolution ----

    /** Whether the engines have described the container already (announced, or asked at its first event). */
    private boolean describedAlready(String id) {
        Container c = byId.get(id);
        return c != null && c.metadata.isDone();
    }

    /** An engine's answer about a container it announced: kept, without asking the engines again. */
    private void announced(ContainerIds.Ref ref, ContainerInfo info) {
        Container c = byId.computeIfAbsent(ref.id(), id -> new Container(ref));
        c.answered(info);
        c.metadata.complete(c.info);
    }

    private Entry create(long cgroupId, String leaf, String knownPath, long pid) {
        Entry e = new Entry(cgroupId);
        e.path = knownPath;
        boolean needPath = false;
        if (cgroupId == rootId) {
            e.path = "/";
        } else {
            Optional<ContainerIds.Ref> ref =
                    knownPath != null ? ContainerIds.fromPath(knownPath) : ContainerIds.fromLeaf(leaf);
            if (ref.isPresent()) {
                // A bare id needs its parents to tell the runtime and pod; the engines may still answer before.
                needPath = knownPath == null && ref.get().guessed() && options.cgroupRoot() != null;
            } else {
                // No leaf, or a leaf that is no container's (could be a cgroup nested inside one): find the path.
                needPath = knownPath == null && options.cgroupRoot() != null;
            }
            ref.ifPresent(r -> e.container = container(r));
            Entry existing = byCgroup.putIfAbsent(cgroupId, e);
            if (existing != null) return existing;
            if (byCgroup.size() > options.maxEntries()) wakeMaintenance();
            if (needPath) {
                async(() -> resolvePath(e, pid));
            } else {
                e.settled.complete(null);
            }
            return e;
        }
        Entry existing = byCgroup.putIfAbsent(cgroupId, e);
        if (existing != null) return existing;
        e.settled.complete(null);
        return e;
    }

    private Container container(ContainerIds.Ref ref) {
        Container[] created = new Container[1];
        Container c = byId.computeIfAbsent(ref.id(), id -> created[0] = new Container(ref));
        if (!c.inCgroup) c.inCgroup = true;
        if (created[0] != null) async(() -> engines.fetchMetadata(c));
        return c;
    }

    /** On a virtual thread: the cgroup's path (from the process, else a fresh enough scan), then its container. */
    private void resolvePath(Entry e, long pid) {
        try {
            String path = pid > 0 ? hierarchy.pathFromProc(pid, e.cgroupId) : null;
            if (path == null) path = hierarchy.pathOf(e.cgroupId, e.createdNanos);
            if (path != null) {
                e.path = path;
                Optional<ContainerIds.Ref> ref = ContainerIds.fromPath(path);
                if (ref.isPresent()) {
                    Container c = e.container;
                    if (c == null) {
                        e.container = container(ref.get());
                    } else if (c.fullId.equals(ref.get().id())) {
                        c.refine(ref.get());
                    }
                }
            }
        } finally {
            e.settled.complete(null);
        }
    }

    // ---- maintenance ----

    private void trim() {
        int max = options.maxEntries();
        if (byCgroup.size() <= max) return;
        int target = Math.max(0, max - max / 10);
        List<Entry> all = new ArrayList<>(byCgroup.values());
        all.sort(Comparator.comparingLong(en -> en.lastUsedNanos));
        for (Entry e : all) {
            if (byCgroup.size() <= target) break;
            if (byCgroup.remove(e.cgroupId, e)) {
                e.removed = true;
                evictedOverflow.increment();
            }
        }
    }

    private void forgetUnreferencedContainers() {
        Set<Container> live = new HashSet<>();
        for (Entry e : byCgroup.values()) {
            Container c = e.container;
            if (c != null) live.add(c);
        }
        // A container announced by its engine has no cgroup until its first process runs: kept a
        // sweep interval for it.
        long young = System.nanoTime() - options.sweepInterval().toNanos();
        for (Container c : byId.values()) {
            if (!live.contains(c) && (c.inCgroup || c.createdNanos - young < 0) && byId.remove(c.fullId, c)) {
                for (Consumer<ContainerInfo> l : forgetListeners) {
                    try {
                        l.accept(c.info);
                    } catch (RuntimeException ignored) {
                        // a listener's failure is its own
                    }
                }
            }
        }
    }

    private void wakeMaintenance() {
        synchronized (maintenanceSignal) {
            maintenanceSignal.notifyAll();
        }
    }

    private void maintain() {
        while (!closed.get()) {
            try {
                synchronized (maintenanceSignal) {
                    maintenanceSignal.wait(Math.max(1, options.sweepInterval().toMillis()));
                }
                if (closed.get()) return;
                if (byCgroup.size() > options.maxEntries()) {
                    trim();
                    forgetUnreferencedContainers();
                } else {
                    sweep();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // keep sweeping; the next round may succeed
            }
        }
    }

    private void async(Runnable task) {
        if (closed.get()) return;
        Thread.ofVirtual().name("peregrine-container-resolve").start(() -> {
            try {
                task.run();
            } catch (RuntimeException ignored) {
                // resolution is best effort: the entry keeps what it has
            }
        });
    }
}
