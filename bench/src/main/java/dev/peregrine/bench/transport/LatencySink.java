package dev.peregrine.bench.transport;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The webhook the sidekick delivers to in the latency benchmark: for each alert, the time from the
 * syscall (the alert's {@code time}, taken from the kernel event) to its arrival here.
 *
 * <pre>
 * LatencySink --port 18090 --count 3000 --skip 200 --max-seconds 120
 * </pre>
 * Records alerts of rule --rule only, skips the first --skip (JIT warm-up of both programs),
 * stops after --count recorded or --max-seconds, and prints one RESULT line.
 */
public final class LatencySink {
    private static final Pattern TIME = Pattern.compile("\"time\":\"([^\"]+)\"");
    private static final Pattern UUID = Pattern.compile("\"uuid\":\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(arg(args, "--port", "18090"));
        int count = Integer.parseInt(arg(args, "--count", "3000"));
        int skip = Integer.parseInt(arg(args, "--skip", "200"));
        long maxSeconds = Long.parseLong(arg(args, "--max-seconds", "120"));
        String rule = arg(args, "--rule", "Read sensitive file untrusted");
        Histogram micros = new Histogram(3_600_000_000L, 3);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(count);
        int[] received = {0, 0};
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        server.createContext("/", exchange -> {
            long now = nowMicros();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            Matcher t = TIME.matcher(body);
            Matcher u = UUID.matcher(body);
            if (!body.contains("\"rule\":\"" + rule + "\"") || !t.find() || !u.find() || !seen.add(u.group(1))) {
                return;
            }
            Instant at = Instant.parse(t.group(1));
            synchronized (micros) {
                if (received[0]++ < skip) {
                    return;
                }
                micros.recordValue(Math.max(0, now - (at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000)));
                received[1]++;
            }
            done.countDown();
        });
        server.start();
        System.out.println("LISTENING " + port);
        System.out.flush();
        boolean complete = done.await(maxSeconds, TimeUnit.SECONDS);
        server.stop(0);
        synchronized (micros) {
            System.out.printf(
                    "RESULT complete=%s recorded=%d skipped=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f%n",
                    complete,
                    received[1],
                    Math.min(skip, received[0]),
                    micros.getValueAtPercentile(50) / 1000.0,
                    micros.getValueAtPercentile(90) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0,
                    micros.getMaxValue() / 1000.0);
        }
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    private static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
