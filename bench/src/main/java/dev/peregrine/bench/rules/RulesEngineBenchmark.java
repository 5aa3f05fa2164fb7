package dev.peregrine.bench.rules;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.rule.Ruleset;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Events per second through Falco's full stable ruleset (the detector's bundled default), one
 * thread, on {@link EventMix}: none of the events raises an alert, so the score is the cost of
 * deciding "nothing to report", which is what the detector does for nearly every syscall.
 * One operation is one event; run with {@code -prof gc} for bytes allocated per event.
 *
 * <p>Each measured iteration also prints a {@code CPU-RATE} line: events per second of the benchmark
 * thread's own CPU time. On a shared machine the JMH score also counts the time other processes hold
 * the core; the CPU rate leaves that out (not their effect on caches, nor a hypervisor's steal time).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 3,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RulesEngineBenchmark {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * How many distinct events are cycled (about 415 bytes each). 256 (100 KB) stay in the core's L2 cache, like an
     * event the capture has just decoded; 4096 (1.7 MB) do not, so most fields are cache misses.
     */
    @Param({"256", "4096"})
    public int events;

    /**
     * {@code stable}: the bundled stable file (25 rules). {@code all}: Falco's stable, incubating
     * and sandbox files loaded together, read from {@code peregrine.rules.dir} (default
     * {@code ../detector/src/test/resources/rules}, i.e. run from {@code bench/}); the mix then
     * keeps only events that none of their rules matches.
     */
    @Param({"stable"})
    public String rules;

    private Ruleset ruleset;
    private Event[] ring;
    private int next;
    private long cpuAtStart;
    private long eventsInIteration;

    @Setup
    public void setup() throws IOException {
        if (Integer.bitCount(events) != 1)
            throw new IllegalArgumentException("events must be a power of two: " + events);
        Random random = new Random(20261125);
        if (rules.equals("stable")) {
            RulesLoader.Loaded loaded = new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()));
            if (!loaded.result().successful() || loaded.rules().size() != 25) {
                throw new IllegalStateException(
                        "bundled stable rules did not load: " + loaded.result().errors());
            }
            ruleset = loaded.ruleset();
            ring = EventMix.realistic(random, events).toArray(Event[]::new);
        } else if (rules.equals("all")) {
            Path dir = Path.of(System.getProperty("peregrine.rules.dir", "../detector/src/test/resources/rules"));
            RulesLoader.Loaded loaded = new RulesLoader()
                    .loadFiles(List.of(
                            dir.resolve("falco_rules.yaml"),
                            dir.resolve("falco-incubating_rules.yaml"),
                            dir.resolve("falco-sandbox_rules.yaml")));
            if (!loaded.result().successful())
                throw new IllegalStateException(
                        "rules in " + dir + " did not load: " + loaded.result().errors());
            ruleset = loaded.ruleset();
            // The same mix, less the events some incubating or sandbox rule raises an alert for.
            ring = EventMix.realistic(random, events * 4).stream()
                    .filter(e -> ruleset.firstMatch(e) == null)
                    .limit(events)
                    .toArray(Event[]::new);
            if (ring.length != events)
                throw new IllegalStateException("only " + ring.length + " non-matching events in the mix");
        } else {
            throw new IllegalArgumentException("rules must be stable or all: " + rules);
        }
        // A matching event would measure alerting, not the common path: refuse to run.
        for (Event e : ring) {
            CompiledRule r = ruleset.firstMatch(e);
            if (r != null)
                throw new IllegalStateException("event " + e.num + " (" + e.type + ") matches '" + r.name() + "'");
        }
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        eventsInIteration = 0;
        cpuAtStart = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams params) {
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
        if (params.getType() == IterationType.MEASUREMENT && cpu > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "CPU-RATE %.0f events per CPU-second (%d events in %.3f s of thread CPU time)%n",
                    eventsInIteration * 1e9 / cpu,
                    eventsInIteration,
                    cpu / 1e9);
        }
    }

    /** One operation is one event through the whole ruleset. */
    @Benchmark
    public CompiledRule nonMatchingMix() {
        Event e = ring[next];
        next = (next + 1) & (ring.length - 1);
        eventsInIteration++;
        return ruleset.firstMatch(e);
    }
}
