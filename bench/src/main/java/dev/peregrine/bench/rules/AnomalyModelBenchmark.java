package dev.peregrine.bench.rules;

import dev.peregrine.detector.anomaly.AnomalySettings;
import dev.peregrine.detector.anomaly.Baselines;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.rule.Ruleset;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the behaviour model adds to the event thread per event: the rules alone against the rules
 * plus {@link Baselines#observe} on the same {@link EventMix}, the model's profiles frozen (learnt
 * on the mix first), as in steady state. Event times advance 2 µs per event, so windows close and
 * are scored every 5 M events (10 s of event time) and their cost is in the average. Run with
 * {@code -prof gc} for bytes per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 3,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AnomalyModelBenchmark {
    @Param({"256", "4096"})
    public int events;

    private Ruleset ruleset;
    private Baselines model;
    private Event[] ring;
    private int[] recordTypes;
    private int next;
    private long clock = 1_800_000_000_000_000_000L;
    private final AtomicLong anomalies = new AtomicLong();
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private long cpuAtStart;
    private long eventsInIteration;

    @Setup
    public void setup() {
        RulesLoader.Loaded loaded = new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()));
        ruleset = loaded.ruleset();
        ring = EventMix.realistic(new Random(20261125), events).toArray(Event[]::new);
        recordTypes = new int[ring.length];
        for (int i = 0; i < ring.length; i++) {
            String type = ring[i].type;
            recordTypes[i] = type.startsWith("execve") ? RawEvent.PROC_EXEC : Syscalls.number(type);
            CompiledRule r = ruleset.firstMatch(ring[i]);
            if (r != null) throw new IllegalStateException("event matches '" + r.name() + "'");
        }
        AnomalySettings settings = AnomalySettings.defaults()
                .withLearning(Duration.ofSeconds(60))
                .withLearningMinEvents(100)
                .withDirectory(null);
        model = new Baselines(settings, new SimpleMeterRegistry(), null, a -> anomalies.incrementAndGet());
        // Learn 70 s of event time at the rate measured later (2 µs apart), so the measured
        // windows look like the learnt ones and raise nothing.
        for (int i = 0; i < 35_000_000; i++) {
            Event e = ring[i & (ring.length - 1)];
            clock += 2_000;
            e.ts = clock;
            model.observe(recordTypes[i & (ring.length - 1)], e);
        }
        model.tick(clock);
        if (model.summaries().values().stream().anyMatch(Baselines.Summary::learning)) {
            throw new IllegalStateException("profiles still learning: " + model.summaries());
        }
        anomalies.set(0);
    }

    @TearDown
    public void report() {
        System.out.println("ANOMALIES raised while measuring (expected 0): " + anomalies.get());
    }

    @Setup(org.openjdk.jmh.annotations.Level.Iteration)
    public void startIteration() {
        eventsInIteration = 0;
        cpuAtStart = THREADS.getCurrentThreadCpuTime();
    }

    /** ns of the thread's own CPU time per event: on a shared machine steadier than the score. */
    @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
    public void endIteration(org.openjdk.jmh.infra.IterationParams params) {
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
        if (params.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT && eventsInIteration > 0) {
            System.out.printf(
                    java.util.Locale.ROOT,
                    "CPU-NS %.1f ns of thread CPU per event (%d events)%n",
                    (double) cpu / eventsInIteration,
                    eventsInIteration);
        }
    }

    @Benchmark
    public CompiledRule rules() {
        Event e = ring[next];
        next = (next + 1) & (ring.length - 1);
        eventsInIteration++;
        clock += 2_000;
        e.ts = clock;
        return ruleset.firstMatch(e);
    }

    @Benchmark
    public CompiledRule rulesAndModel() {
        int i = next;
        Event e = ring[i];
        next = (i + 1) & (ring.length - 1);
        eventsInIteration++;
        clock += 2_000;
        e.ts = clock;
        CompiledRule r = ruleset.firstMatch(e);
        model.observe(recordTypes[i], e);
        return r;
    }
}
