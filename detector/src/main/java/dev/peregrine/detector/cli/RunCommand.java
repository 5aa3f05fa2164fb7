package dev.peregrine.detector.cli;

import com.sun.net.httpserver.HttpServer;
import dev.peregrine.detector.alert.FalcoAlert;
import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.capture.Prerequisites;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.EventJson;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.rule.RulesLoader;
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
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "-r", "--rules" -> rules.add(Path.of(args[++i]));
                case "--out" -> outFile = Path.of(args[++i]);
                case "--metrics-port" -> metricsPort = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--max-processes" -> maxProcesses = Integer.parseInt(args[++i]);
                case "--hostname" -> hostname = args[++i];
                default -> {
                    err.println("usage: run [-r RULES]... [--metrics-port N] [--seconds N] [--max-processes N] [--hostname NAME]\n"
                            + "       capture --out FILE [-r RULES]... [--seconds N] [--metrics-port N]");
                    return 2;
                }
            }
        }
        if (record && outFile == null) {
            err.println("capture: --out FILE is required");
            return 2;
        }
        List<Prerequisites.Problem> problems = Prerequisites.check();
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println(args[0] + ": " + p.message()));
            return problems.getFirst().exitCode();
        }
        RulesLoader loader = new RulesLoader();
        RulesLoader.Loaded loaded = rules.isEmpty() ? loader.load(List.of(RulesLoader.RulesSource.bundled())) : loader.loadFiles(rules);
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
        Instant deadline = seconds == Long.MAX_VALUE ? Instant.MAX : Instant.now().plusSeconds(seconds);
        FalcoAlert alerts = new FalcoAlert(hostname, false, true);
        err.println(args[0] + ": " + loaded.ruleset().rules().size() + " rules loaded; metrics on http://0.0.0.0:"
                + server.getAddress().getPort() + "/metrics");
        PrintWriter events = record ? new PrintWriter(Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) : null;
        try (Capture capture = Capture.open()) {
            new LiveDetection(loaded.ruleset(), metrics, RunCommand::containerStub, maxProcesses).run(capture,
                    () -> running.get() && Instant.now().isBefore(deadline),
                    e -> {
                        if (events != null) {
                            events.println(EventJson.write(e));
                        }
                    },
                    (rule, e) -> {
                        if (!record) {
                            out.println(alerts.json(rule, e));
                            out.flush();
                        }
                    });
        } catch (Capture.CaptureException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 1;
        } finally {
            if (events != null) {
                events.close();
            }
            server.stop(0);
        }
        return 0;
    }

    /** Until the container table lands: the id only, metadata unknown. */
    private static ContainerInfo containerStub(String id) {
        return "host".equals(id) ? ContainerInfo.HOST : ContainerInfo.builder().id(id).build();
    }
}
