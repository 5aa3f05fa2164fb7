package dev.peregrine.detector.live;

import dev.peregrine.detector.anomaly.Baselines;
import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.EventTypes;
import dev.peregrine.detector.rule.Ruleset;
import dev.peregrine.detector.syscall.SyscallEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The detector's main loop on a live host: kernel events → process/fd/container state → rules.
 * Runs on the calling thread until {@code running} turns false. Events of a container whose
 * metadata its engine has not given yet wait for it a moment ({@link ContainerHold}).
 */
public final class LiveDetection {
    /** One event in this many has its evaluation timed. */
    static final int EVALUATION_SAMPLE = 64;

    /** How long a new container's events wait for its metadata by default. */
    public static final Duration DEFAULT_CONTAINER_WAIT = Duration.ofMillis(500);

    /** Events held for their containers' metadata at most, over all containers. */
    static final int MAX_HELD = 16_384;

    private final Ruleset ruleset;
    private final MeterRegistry metrics;
    private final ContainerLookup containers;
    private final int maxProcesses;
    private final Duration containerWait;
    /**
     * Events by type, counted by the event thread alone: with a plain write, as an atomic add (what
     * a Micrometer Counter does) costs a memory fence per event; the metrics scrape reads them.
     * Indexed by the record's type (syscall number, or fork/exec/exit), which avoids even a map
     * lookup; the map gives syscalls of the same event type (execve and a successful exec) one count.
     */
    private final Map<String, AtomicLong> eventsByType = new HashMap<>();

    private final AtomicLong[] eventsByRecordType = new AtomicLong[RawEvent.PROC_EXIT + 1];
    private long evaluated;
    private final Map<String, Counter> matchesByRule = new HashMap<>();
    /** Records taken from the ring buffer, of every kind, before decoding: counted by the event thread, */
    private long recordsCounted;
    /**
     * and published every 4096 records and after each poll (a volatile write per record would cost
     * more than the count). Under sustained load one poll does not return: libbpf consumes until
     * it has caught up with the producer.
     */
    private volatile long records;
    /** Open fds over all processes in the table, recomputed about once a second by the event thread. */
    private volatile long fds;
    /** The behaviour model (run --anomaly), or null. */
    private Baselines baselines;

    private final AtomicLong held = new AtomicLong();
    private final AtomicLong releasedIncomplete = new AtomicLong();

    public LiveDetection(Ruleset ruleset, MeterRegistry metrics, ContainerLookup containers, int maxProcesses) {
        this(ruleset, metrics, containers, maxProcesses, DEFAULT_CONTAINER_WAIT);
    }

    /**
     * @param containerWait how long the events of a container whose metadata is on its way wait
     *     for it at most (zero: not at all)
     */
    public LiveDetection(
            Ruleset ruleset,
            MeterRegistry metrics,
            ContainerLookup containers,
            int maxProcesses,
            Duration containerWait) {
        if (containerWait.isNegative())
            throw new IllegalArgumentException("containerWait is negative: " + containerWait);
        this.ruleset = ruleset;
        this.metrics = metrics;
        this.containers = containers;
        this.maxProcesses = maxProcesses;
        this.containerWait = containerWait;
    }

    /** Hands every event the rules see to the behaviour model as well. */
    public LiveDetection baselines(Baselines baselines) {
        this.baselines = baselines;
        return this;
    }

    private void countEvent(int recordType, String type) {
        AtomicLong n = recordType < eventsByRecordType.length ? eventsByRecordType[recordType] : null;
        if (n == null) {
            n = eventsByType.computeIfAbsent(type, t -> {
                AtomicLong count = new AtomicLong();
                FunctionCounter.builder("peregrine.detector.events", count, AtomicLong::getOpaque)
                        .tag("type", t)
                        .description("Events evaluated, by type")
                        .register(metrics);
                return count;
            });
            if (recordType < eventsByRecordType.length) {
                eventsByRecordType[recordType] = n;
            }
        }
        n.setOpaque(n.getPlain() + 1);
    }

    /**
     * By syscall number: the syscalls whose events no rule would evaluate (the ruleset has no
     * candidate for their type), which need only update the tables when no one records events.
     * Under the stable rules that is close, dup, fcntl, socket, pipe and the like: half of the
     * records of a file-heavy load.
     */
    static boolean[] tablesOnly(Ruleset ruleset, boolean noRecording, Set<String> modelTypes) {
        boolean[] out = new boolean[512];
        for (int nr = 0; nr < out.length && noRecording; nr++) {
            String type = Syscalls.name(nr);
            out[nr] = type != null && ruleset.candidates(type).length == 0 && !modelTypes.contains(type);
        }
        return out;
    }

    /** Syscalls the rules need (by their event types) plus those the tables need. */
    public static Set<Integer> syscallsFor(Ruleset ruleset) {
        Set<String> names = new TreeSet<>(Syscalls.STATE);
        for (CompiledRule r : ruleset.rules()) {
            EventTypes types = r.eventTypes();
            for (String known : Syscalls.known()) {
                if (types.contains(known)) {
                    names.add(known);
                }
            }
        }
        Set<Integer> numbers = new TreeSet<>();
        names.forEach(n -> {
            int nr = Syscalls.number(n);
            if (nr >= 0) {
                numbers.add(nr);
            }
        });
        return numbers;
    }

    /**
     * @param onEvent every event (for `capture --out`), or null when no one records events: then a
     *     syscall of a type no rule looks at only updates the tables and makes no event. The event
     *     is refilled for the next record once this returns: keep {@link Event#snapshot()} if anything.
     * @param onAlert every rule match, with an event of its own (a snapshot) that may be kept
     */
    public void run(
            Capture capture, BooleanSupplier running, Consumer<Event> onEvent, BiConsumer<CompiledRule, Event> onAlert)
            throws Capture.CaptureException {
        capture.select(syscallsFor(ruleset), true);
        capture.ignoreProcess(ProcessHandle.current().pid());
        ProcessTable processes = new ProcessTable(maxProcesses);
        SyscallEvents factory = new SyscallEvents(processes, new Users(), containers, capture.bootToEpochOffset());
        // Attach before seeding: a process born in between is then seen by both, never by neither.
        capture.attach();
        processes.seed();
        Gauge.builder("peregrine.detector.processes", processes, ProcessTable::size)
                .description("Processes in the process table")
                .register(metrics);
        Gauge.builder("peregrine.detector.process.evictions", processes, ProcessTable::evictions)
                .description("Processes evicted because the table was full")
                .register(metrics);
        Gauge.builder("peregrine.detector.fds", this, d -> d.fds)
                .description("Open fds in the fd tables of all processes (updated every second)")
                .register(metrics);
        FunctionCounter.builder("peregrine.detector.records", this, d -> d.records)
                .description(
                        "Records received from the kernel's ring buffer, of every kind (fork/exit too), before decoding")
                .register(metrics);
        Gauge.builder("peregrine.detector.drops", capture, Capture::drops)
                .description("Events lost in the kernel because the ring buffer was full")
                .register(metrics);
        Gauge.builder("peregrine.detector.malformed", capture, Capture::malformed)
                .register(metrics);
        Timer evaluation = Timer.builder("peregrine.detector.evaluation")
                .description(
                        "Time to evaluate the rules on one event (one event in " + EVALUATION_SAMPLE + " is timed)")
                .publishPercentileHistogram()
                .register(metrics);
        Timer holdTime = Timer.builder("peregrine.detector.container.hold")
                .description("Time a new container's events waited for its metadata (once per container)")
                .publishPercentileHistogram()
                .register(metrics);
        Baselines model = baselines;
        Consumer<Event> evaluate = e -> evaluate(e, onEvent, onAlert, evaluation);
        // A held event reaches the model when it is released, with its container's metadata.
        Consumer<Event> evaluateHeld = model == null
                ? evaluate
                : e -> {
                    evaluate.accept(e);
                    int type = recordTypeOf(e);
                    if (type >= 0) model.observe(type, e);
                };
        ContainerHold hold =
                new ContainerHold(containers, containerWait.toNanos(), MAX_HELD, evaluateHeld, (n, nanos, complete) -> {
                    holdTime.record(nanos, TimeUnit.NANOSECONDS);
                    if (!complete) releasedIncomplete.addAndGet(n);
                });
        FunctionCounter.builder("peregrine.detector.container.held", held, AtomicLong::get)
                .description("Events held back until their container's metadata arrived")
                .register(metrics);
        FunctionCounter.builder("peregrine.detector.container.held.incomplete", releasedIncomplete, AtomicLong::get)
                .description(
                        "Held events evaluated without their container's metadata (the wait was over, or no engine knew it)")
                .register(metrics);
        Gauge.builder("peregrine.detector.container.holding", hold, ContainerHold::holding)
                .description("Events waiting for their container's metadata now")
                .register(metrics);
        boolean[] tablesOnly = tablesOnly(ruleset, onEvent == null, model == null ? Set.of() : Baselines.eventTypes());
        Consumer<RawEvent> sink = raw -> {
            if ((++recordsCounted & 4095) == 0) {
                records = recordsCounted;
            }
            // Under sustained load a poll does not return: held events are released from here too.
            if ((recordsCounted & 1023) == 0 && !hold.isEmpty()) {
                hold.release(System.nanoTime());
            }
            int recordType = raw.type;
            if (recordType < tablesOnly.length && tablesOnly[recordType]) {
                factory.updateTables(raw);
                countEvent(recordType, Syscalls.name(recordType));
                return;
            }
            Event e = factory.toEvent(raw);
            if (e == null) {
                return;
            }
            countEvent(recordType, e.type);
            // The host's events go straight on: one reference compare.
            if (e.container != ContainerInfo.HOST && hold.offer(e, raw.cgroupId)) {
                held.incrementAndGet();
                return;
            }
            evaluate.accept(e);
            if (model != null) {
                model.observe(recordType, e);
            }
        };
        fds = processes.fdCount();
        long nextCount = System.nanoTime() + 1_000_000_000L;
        try {
            while (running.getAsBoolean()) {
                capture.pollInPlace(10, sink);
                records = recordsCounted;
                if (!hold.isEmpty()) {
                    hold.release(System.nanoTime());
                }
                if (model != null) {
                    model.tick(System.currentTimeMillis() * 1_000_000L);
                }
                if (System.nanoTime() - nextCount >= 0) {
                    fds = processes.fdCount();
                    nextCount = System.nanoTime() + 1_000_000_000L;
                }
            }
        } finally {
            // Nothing held is lost when detection stops.
            hold.releaseAll(System.nanoTime());
        }
    }

    /**
     * The kernel record type a (held) event was made from, for the behaviour model: a successful
     * exec comes from the exec record, anything else from its syscall; -1 when unknown.
     */
    static int recordTypeOf(Event e) {
        if (e.rawres == 0 && ("execve".equals(e.type) || "execveat".equals(e.type))) {
            return RawEvent.PROC_EXEC;
        }
        return Syscalls.number(e.type);
    }

    /** Records the event if asked, and evaluates the rules on it: the live event, or a held one's snapshot. */
    private void evaluate(Event e, Consumer<Event> onEvent, BiConsumer<CompiledRule, Event> onAlert, Timer evaluation) {
        if (onEvent != null) {
            onEvent.accept(e);
        }
        CompiledRule rule;
        // Timing every event cost more than half as much as the rules themselves (two clock
        // reads and a histogram update); a sample gives the same distribution.
        if (++evaluated % EVALUATION_SAMPLE == 0) {
            long start = System.nanoTime();
            rule = ruleset.firstMatch(e);
            evaluation.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        } else {
            rule = ruleset.firstMatch(e);
        }
        if (rule != null) {
            matchesByRule
                    .computeIfAbsent(
                            rule.name(),
                            n -> Counter.builder("peregrine.detector.matches")
                                    .tag("rule", n)
                                    .description("Rule matches")
                                    .register(metrics))
                    .increment();
            onAlert.accept(rule, e.snapshot());
        }
    }
}
