package dev.peregrine.detector.cli;

import com.sun.net.httpserver.HttpServer;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.detector.alert.AlertMessage;
import dev.peregrine.detector.alert.FalcoAlert;
import dev.peregrine.detector.anomaly.Anomaly;
import dev.peregrine.detector.anomaly.AnomalySettings;
import dev.peregrine.detector.anomaly.AnomalySettingsFile;
import dev.peregrine.detector.anomaly.Baselines;
import dev.peregrine.detector.anomaly.ProfileStore;
import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.capture.Prerequisites;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.state.ContainerTable;
import dev.peregrine.detector.transport.LinkSettings;
import dev.peregrine.detector.transport.NodeSpool;
import dev.peregrine.detector.transport.SidekickLink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code run} prints alerts of live events as Falco JSON lines; {@code capture --out FILE} records
 * live events in the JSON-lines format {@code replay} reads. Both serve Prometheus metrics.
 */
final class RunCommand {
    private RunCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        boolean record = args[0].equals("capture");
        List<Path> rules = new ArrayList<>();
        Path outFile = null;
        int metricsPort = 8765;
        long seconds = Long.MAX_VALUE;
        int maxProcesses = 65_536;
        String hostname = InetAddress.getLocalHost().getHostName();
        String sidekick = null;
        Path ca = null, cert = null, key = null, spoolDir = Path.of("var/detector-spool");
        String token = System.getenv("PEREGRINE_TOKEN");
        long spoolMaxBytes = 512L << 20;
        String nodeName = System.getenv().getOrDefault("NODE_NAME", "");
        String clusterName = System.getenv().getOrDefault("CLUSTER_NAME", "");
        List<Path> criSockets = new ArrayList<>();
        boolean anomaly = false;
        Duration anomalyLearning = null;
        Path anomalyConfig = null, anomalyDir = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "-r", "--rules" -> rules.add(Path.of(args[++i]));
                case "--out" -> outFile = Path.of(args[++i]);
                case "--metrics-port" -> metricsPort = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--max-processes" -> maxProcesses = Integer.parseInt(args[++i]);
                case "--hostname" -> hostname = args[++i];
                case "--sidekick" -> sidekick = args[++i];
                case "--sidekick-ca" -> ca = Path.of(args[++i]);
                case "--sidekick-cert" -> cert = Path.of(args[++i]);
                case "--sidekick-key" -> key = Path.of(args[++i]);
                case "--sidekick-token" -> token = args[++i];
                case "--spool-dir" -> spoolDir = Path.of(args[++i]);
                case "--spool-max-bytes" -> spoolMaxBytes = Long.parseLong(args[++i]);
                case "--node-name" -> nodeName = args[++i];
                case "--cluster-name" -> clusterName = args[++i];
                case "--cri" -> criSockets.add(Path.of(args[++i]));
                case "--anomaly" -> anomaly = true;
                case "--anomaly-learning" -> {
                    anomaly = true;
                    try {
                        anomalyLearning = AnomalySettingsFile.parseDuration("--anomaly-learning", args[++i]);
                    } catch (AnomalySettingsFile.InvalidSettingException e) {
                        err.println(args[0] + ": " + e.getMessage());
                        return 2;
                    }
                }
                case "--anomaly-config" -> anomalyConfig = Path.of(args[++i]);
                case "--anomaly-dir" -> anomalyDir = Path.of(args[++i]);
                default -> {
                    err.println(
                            "usage: run [-r RULES]... [--metrics-port N] [--seconds N] [--max-processes N] [--hostname NAME] [--cri SOCKET]...\n"
                                    + "           [--anomaly [--anomaly-learning DURATION] [--anomaly-config FILE] [--anomaly-dir DIR]]\n"
                                    + "           [--sidekick HOST:PORT [--sidekick-ca PEM] [--sidekick-cert PEM --sidekick-key PEM]\n"
                                    + "            [--sidekick-token T] [--spool-dir DIR] [--spool-max-bytes N] [--node-name N] [--cluster-name N]]\n"
                                    + "       capture --out FILE [-r RULES]... [--seconds N] [--metrics-port N] [--cri SOCKET]...");
                    return 2;
                }
            }
        }
        if ((cert == null) != (key == null)) {
            err.println(args[0] + ": --sidekick-cert and --sidekick-key go together (mutual TLS needs both)");
            return 2;
        }
        if (record && outFile == null) {
            err.println("capture: --out FILE is required");
            return 2;
        }
        AnomalySettings anomalySettings = null;
        if (anomaly && !record) {
            try {
                anomalySettings = anomalyConfig == null
                        ? AnomalySettings.defaults()
                        : AnomalySettingsFile.read(anomalyConfig, AnomalySettings.defaults());
            } catch (AnomalySettingsFile.InvalidSettingException e) {
                err.println(args[0] + ": " + (anomalyConfig == null ? "" : anomalyConfig + ": ") + e.getMessage());
                return 2;
            }
            if (anomalyLearning != null) anomalySettings = anomalySettings.withLearning(anomalyLearning);
            if (anomalyDir != null) anomalySettings = anomalySettings.withDirectory(anomalyDir);
        }
        List<Prerequisites.Problem> problems = Prerequisites.check();
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println(args[0] + ": " + p.message()));
            return problems.getFirst().exitCode();
        }
        RulesLoader loader = new RulesLoader();
        RulesLoader.Loaded loaded =
                rules.isEmpty() ? loader.load(List.of(RulesLoader.RulesSource.bundled())) : loader.loadFiles(rules);
        if (!loaded.result().successful()) {
            loaded.result().errors().forEach(err::println);
            return 1;
        }
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpServer server = HttpServer.create(new InetSocketAddress(metricsPort), 16);
        server.createContext("/metrics", ex -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            running.set(false);
            try {
                main.join(5_000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Instant deadline =
                seconds == Long.MAX_VALUE ? Instant.MAX : Instant.now().plusSeconds(seconds);
        FalcoAlert alerts = new FalcoAlert(hostname, false, true);
        err.println(args[0] + ": " + loaded.ruleset().rules().size() + " rules loaded; metrics on http://0.0.0.0:"
                + server.getAddress().getPort() + "/metrics");
        PrintWriter events = record ? new PrintWriter(Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) : null;
        NodeSpool spool = null;
        SidekickLink link = null;
        AlertMessage messages = new AlertMessage(alerts, hostname);
        if (sidekick != null && !record) {
            spool = new NodeSpool(spoolDir, spoolMaxBytes, true);
            link = new SidekickLink(
                    spool,
                    new LinkSettings(
                            sidekick, ca, cert, key, token, 1024, Duration.ofMillis(200), Duration.ofSeconds(30)),
                    Origin.newBuilder()
                            .setHostname(hostname)
                            .setNodeName(nodeName)
                            .setClusterName(clusterName)
                            .setDetectorVersion(version())
                            .build(),
                    metrics);
            link.start();
            err.println(args[0] + ": sending alerts to the sidekick at " + sidekick
                    + (ca != null || cert != null ? " (TLS)" : "") + "; node spool " + spoolDir.toAbsolutePath() + " ("
                    + spool.count() + " waiting)");
        }
        NodeSpool nodeSpool = spool;
        ProfileStore profiles = null;
        Baselines baselines = null;
        if (anomalySettings != null) {
            profiles = anomalySettings.directory() == null ? null : new ProfileStore(anomalySettings.directory());
            baselines = new Baselines(anomalySettings, metrics, profiles, (Anomaly a) -> {
                out.println(alerts.json(a));
                out.flush();
                if (nodeSpool != null) {
                    nodeSpool.append(messages.of(a));
                }
            });
            err.println(args[0] + ": anomaly detection on: profiles learn for " + anomalySettings.learning()
                    + ", saved in "
                    + (profiles == null ? "memory only" : profiles.directory().toAbsolutePath())
                    + " (" + baselines.keys().size() + " loaded)");
        }
        try (Capture capture = Capture.open();
                ContainerTable containers = ContainerTable.withDefaultEngines(criSockets)) {
            containers.seedFromCgroups();
            new LiveDetection(loaded.ruleset(), metrics, containers, maxProcesses)
                    .baselines(baselines)
                    .run(
                            capture,
                            () -> running.get() && Instant.now().isBefore(deadline),
                            events == null ? null : e -> events.println(EventJson.write(e)),
                            (rule, e) -> {
                                if (!record) {
                                    out.println(alerts.json(rule, e));
                                    out.flush();
                                    if (nodeSpool != null) {
                                        nodeSpool.append(messages.of(rule, e));
                                    }
                                }
                            });
        } catch (Capture.CaptureException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 1;
        } finally {
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
            server.stop(0);
        }
        return 0;
    }

    private static String version() {
        String v = RunCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
