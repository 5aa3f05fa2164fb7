package dev.peregrine.detector.node;

import dev.peregrine.contract.v1.Origin;
import dev.peregrine.detector.alert.AlertFormat;
import dev.peregrine.detector.alert.AlertMessage;
import dev.peregrine.detector.alert.FalcoAlert;
import dev.peregrine.detector.anomaly.Anomaly;
import dev.peregrine.detector.anomaly.Baselines;
import dev.peregrine.detector.anomaly.ProfileStore;
import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.capture.Prerequisites;
import dev.peregrine.detector.container.ContainerTable;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.LoadMessage;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.rule.Ruleset;
import dev.peregrine.detector.transport.NodeSpool;
import dev.peregrine.detector.transport.SidekickLink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The detector on a node, wired in this one place: rules → live detection (eBPF capture, process
 * and container tables) → each alert formatted once → a Falco JSON line on stdout and the node
 * spool → the sidekick link; Prometheus metrics over HTTP. Recording ({@code capture --out}), every
 * event goes to a file instead and no alert is printed or sent.
 *
 * <p>{@link #open} sets up what runs without root (rules, metrics, the record file, spool and
 * link), {@link #detect} opens the capture and the container table for as long as it runs, and
 * {@link #close} closes the rest in order.
 */
public final class DetectorNode implements AutoCloseable {
    /** How often the detector tells the sidekick how it is doing (the sidekick's down-after is minutes). */
    static final Duration STATUS_EVERY = Duration.ofSeconds(10);

    private final Instant started = Instant.now();
    private final NodeSettings settings;
    /** The command, for messages: "run" or "capture". */
    private final String name;

    private final PrintStream out;
    private final PrintStream err;
    private final Ruleset ruleset;
    private final AlertFormat alerts;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private MetricsServer metricsServer;
    /** {@code capture --out}'s file; null for {@code run}. */
    private PrintWriter events;
    /** Null without a sidekick. */
    private NodeSpool spool;

    private SidekickLink link;
    /** The behaviour model and where its profiles are kept; null while anomaly detection is off. */
    private Baselines baselines;

    private ProfileStore profiles;

    private DetectorNode(NodeSettings settings, Ruleset ruleset, PrintStream out, PrintStream err) {
        this.settings = settings;
        this.name = settings.recording() ? "capture" : "run";
        this.ruleset = ruleset;
        this.out = out;
        this.err = err;
        this.alerts = new AlertFormat(settings.hostname(), false, true);
    }

    /**
     * Checks what capture needs from the host, opens the node and detects until stopped (SIGTERM,
     * Ctrl-C) or for {@link NodeSettings#runFor()}; then closes it.
     *
     * @return the exit code: 0, 1 when the rules or the capture failed, a {@link Prerequisites}
     *     code when the host lacks something
     * @throws IOException when the metrics port, the record file or the node spool cannot be opened
     */
    public static int run(NodeSettings settings, PrintStream out, PrintStream err) throws IOException {
        String name = settings.recording() ? "capture" : "run";
        List<Prerequisites.Problem> problems = Prerequisites.check();
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println(name + ": " + p.message()));
            return problems.getFirst().exitCode();
        }
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch closed = new CountDownLatch(1);
        // On SIGTERM the JVM runs this hook, then halts: it stops detection and gives this thread
        // up to 5 s to close the node (the spool's last commit, the link). It waits for the node
        // to be closed, not for this thread to end: the jar's main then calls System.exit, which
        // waits for the hooks, and joining it would always take the full 5 s.
        Thread hook = new Thread(() -> {
            running.set(false);
            try {
                closed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try (DetectorNode node = open(settings, out, err)) {
            Instant deadline = deadline(settings.runFor());
            node.detect(() -> running.get() && Instant.now().isBefore(deadline));
            return 0;
        } catch (RulesNotLoaded e) {
            e.errors().forEach(err::println);
            return 1;
        } catch (Capture.CaptureException e) {
            err.println(name + ": " + e.getMessage());
            return 1;
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and waits for this thread
            }
        }
    }

    /**
     * Loads the rules, starts the metrics server, opens the record file ({@code capture}) or the
     * node spool and the sidekick link ({@code run} with a sidekick). Needs no privilege.
     *
     * @throws RulesNotLoaded with the rules files' errors
     */
    static DetectorNode open(NodeSettings settings, PrintStream out, PrintStream err)
            throws IOException, RulesNotLoaded {
        RulesLoader loader = new RulesLoader();
        RulesLoader.Loaded loaded = settings.rules().isEmpty()
                ? loader.load(List.of(RulesLoader.RulesSource.bundled()))
                : loader.loadFiles(settings.rules());
        if (!loaded.result().successful()) {
            throw new RulesNotLoaded(loaded.result().errors());
        }
        DetectorNode node = new DetectorNode(settings, loaded.ruleset(), out, err);
        try {
            node.start();
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void start() throws IOException {
        metricsServer = MetricsServer.start(settings.metricsPort(), metrics);
        err.println(name + ": " + ruleset.rules().size() + " rules loaded; metrics on http://0.0.0.0:"
                + metricsServer.port() + "/metrics");
        if (settings.recording()) {
            events = new PrintWriter(Files.newBufferedWriter(settings.recordTo(), StandardCharsets.UTF_8));
        } else if (settings.sidekick() != null) {
            NodeSettings.Sidekick sidekick = settings.sidekick();
            try {
                spool = new NodeSpool(sidekick.spoolDir(), sidekick.spoolMaxBytes(), true);
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
            link = new SidekickLink(
                    spool,
                    sidekick.link(),
                    Origin.newBuilder()
                            .setHostname(settings.hostname())
                            .setNodeName(sidekick.nodeName())
                            .setClusterName(sidekick.clusterName())
                            .setDetectorVersion(version())
                            .build(),
                    metrics,
                    new NodeStatus(ruleset.rules().size(), started, metrics, spool),
                    STATUS_EVERY);
            link.start();
            err.println(name + ": sending alerts to the sidekick at "
                    + sidekick.link().target()
                    + (sidekick.link().tls() ? " (TLS)" : "") + "; node spool "
                    + sidekick.spoolDir().toAbsolutePath() + " (" + spool.count() + " waiting)");
        }
        if (settings.anomaly() != null && !settings.recording()) {
            var a = settings.anomaly();
            profiles = a.directory() == null ? null : new ProfileStore(a.directory());
            baselines = new Baselines(a, metrics, profiles, this::anomaly);
            err.println(name + ": anomaly detection on: profiles learn for " + a.learning() + ", kept in "
                    + (profiles == null ? "memory only" : profiles.directory().toAbsolutePath()) + " ("
                    + baselines.keys().size() + " loaded)");
        }
    }

    /**
     * Opens the capture (root) and the container table, and runs live detection on this thread
     * while {@code running} holds; closes both before it returns.
     */
    void detect(BooleanSupplier running) throws Capture.CaptureException {
        try (Capture capture = Capture.open();
                ContainerTable containers = ContainerTable.withDefaultEngines(settings.criSockets())) {
            containers.seedFromCgroups();
            // Containers created from now on are described before their first process runs.
            try {
                if (!containers.awaitFollowing(Duration.ofSeconds(2))) {
                    err.println(name + ": a container engine's event stream did not open within 2 s;"
                            + " new containers are described at their first event until it does");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            FunctionCounter.builder(
                            "peregrine.detector.container.announced",
                            containers,
                            c -> c.stats().announced())
                    .description("Containers described when their engine announced them, before their first event")
                    .register(metrics);
            FunctionCounter.builder(
                            "peregrine.detector.container.follow.breaks",
                            containers,
                            c -> c.stats().followBreaks())
                    .description("Times a container engine's event stream could not be opened or broke")
                    .register(metrics);
            new LiveDetection(ruleset, metrics, containers, settings.maxProcesses(), settings.containerWait())
                    .baselines(baselines)
                    .run(
                            capture,
                            running,
                            events == null ? null : e -> events.println(EventJson.write(e)),
                            settings.recording() ? (rule, e) -> {} : this::alert);
        }
    }

    /** A rule match, formatted once: a Falco JSON line on stdout and, with a sidekick, into the spool. */
    void alert(CompiledRule rule, Event e) {
        FalcoAlert alert = alerts.format(rule, e);
        out.println(alert.json());
        out.flush();
        if (spool != null) {
            spool.append(AlertMessage.of(alert));
        }
    }

    /** An anomaly, like a rule match: a Falco JSON line on stdout and, with a sidekick, into the spool. */
    void anomaly(Anomaly a) {
        FalcoAlert alert = alerts.format(a);
        out.println(alert.json());
        out.flush();
        if (spool != null) {
            spool.append(AlertMessage.of(alert));
        }
    }

    Ruleset ruleset() {
        return ruleset;
    }

    int metricsPort() {
        return metricsServer.port();
    }

    /**
     * Saves the profiles, closes the record file, the link, the spool and the metrics server, in
     * that order. Called on the event thread once detection has stopped.
     */
    @Override
    public void close() {
        if (baselines != null) {
            baselines.save();
        }
        if (profiles != null) {
            profiles.close();
        }
        if (events != null) {
            events.close();
        }
        if (link != null) {
            link.close();
        }
        if (spool != null) {
            spool.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
    }

    private static Instant deadline(Duration runFor) {
        Instant now = Instant.now();
        if (runFor == null || runFor.compareTo(Duration.between(now, Instant.MAX)) >= 0) {
            return Instant.MAX;
        }
        return now.plus(runFor);
    }

    private static String version() {
        String v = DetectorNode.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The rules files did not load; {@link #errors()} says why, as {@code rules validate} does. */
    public static final class RulesNotLoaded extends Exception {
        private final List<LoadMessage> errors;

        RulesNotLoaded(List<LoadMessage> errors) {
            super(errors.size() + " error(s) loading the rules");
            this.errors = List.copyOf(errors);
        }

        public List<LoadMessage> errors() {
            return errors;
        }
    }
}
