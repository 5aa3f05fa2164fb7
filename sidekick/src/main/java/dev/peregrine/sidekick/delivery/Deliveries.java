package dev.peregrine.sidekick.delivery;

import dev.peregrine.sidekick.dedup.DedupStore;
import dev.peregrine.sidekick.dedup.Policy;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.spool.AlertLog;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/** Starts one {@link Delivery} per configured output with the application, stops them with it. */
public final class Deliveries implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(Deliveries.class);

    private final List<ConfiguredOutput> outputs;
    private final AlertLog spool;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    private final List<Delivery> running = new ArrayList<>();
    private DedupStore dedup;

    public Deliveries(List<ConfiguredOutput> outputs, AlertLog spool, MeterRegistry metrics, Clock clock) {
        this.outputs = outputs;
        this.spool = spool;
        this.metrics = metrics;
        this.clock = clock;
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(metrics);
    }

    @Override
    public synchronized void start() {
        dedup = openDedup();
        for (ConfiguredOutput o : outputs) {
            Output output = o.config().create(o.context());
            Delivery d = new Delivery(o, output, spool, breakers, metrics, clock, dedup);
            d.start();
            running.add(d);
            long waiting = spool.depth(o.name());
            log.info(
                    "output {} ({}) started: {} alerts waiting",
                    o.name(),
                    o.type(),
                    waiting < 0 ? "(kept by the shared log)" : waiting);
        }
        Set<String> orphans = new TreeSet<>(spool.outputsWithBacklog());
        outputs.forEach(o -> orphans.remove(o.name()));
        for (String name : orphans) {
            log.warn(
                    "the spool holds {} alerts for output '{}', which is no longer configured; they are kept"
                            + " and delivered if it is configured again",
                    spool.depth(name),
                    name);
        }
    }

    @Override
    public synchronized void stop() {
        running.forEach(Delivery::close);
        running.clear();
        if (dedup != null) {
            dedup.close();
            dedup = null;
        }
    }

    /**
     * The dedup state beside the spool, when an output uses it or one did before (its open
     * windows still owe follow-ups).
     */
    private DedupStore openDedup() {
        Path dir = spool.stateDir();
        boolean used = outputs.stream().anyMatch(o -> !(o.policy() instanceof Policy.None));
        if (!used && !Files.exists(dir.resolve(DedupStore.FILE))) {
            return null;
        }
        DedupStore store = new DedupStore(dir);
        outputs.stream()
                .filter(o -> !(o.policy() instanceof Policy.None))
                .forEach(o -> log.info("output {}: {}", o.name(), o.policy()));
        Set<String> configured = new TreeSet<>();
        outputs.forEach(o -> configured.add(o.name()));
        store.counts().forEach((name, n) -> {
            if (configured.contains(name)) {
                log.info("dedup state at {}: {} open windows of output '{}'", store.file(), n, name);
            } else {
                log.warn(
                        "dedup state at {} holds {} windows of output '{}', which is no longer configured; their"
                                + " follow-ups are queued if it is configured again",
                        store.file(),
                        n,
                        name);
            }
        });
        return store;
    }

    /** Each configured output's health, in configuration order. */
    public synchronized List<OutputHealth> health() {
        return running.stream().map(Delivery::health).toList();
    }

    /** The configured outputs' names and types, running or not. */
    public List<ConfiguredOutput> outputs() {
        return outputs;
    }

    @Override
    public synchronized boolean isRunning() {
        return !running.isEmpty();
    }

    /** Stop deliveries before the web server and the spool go away. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1000;
    }
}
