package dev.peregrine.bench.intake;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A fixed-rate (open-loop) HTTP/1.1 load generator, since wrk2 is not packaged: it POSTs Falco
 * alerts to one loopback URL at {@code --rate} requests/s for {@code --duration} seconds (never more
 * than {@code --max-requests}) over {@code --connections} keep-alive connections, with at most
 * {@code --max-inflight} requests due but not yet sent.
 *
 * <p>It speaks HTTP/1.1 itself over plain sockets (one virtual thread per connection) because the
 * JDK HttpClient costs too much CPU per request to drive 5,000/s on 2 cores next to the server.
 * Latency is measured from when each request was DUE, not when it was sent, so a server that stalls
 * is charged for the requests it held back (no coordinated omission). The first {@code --warmup}
 * seconds are sent but not recorded. Prints one {@code RESULT} line: target rate, achieved rate of
 * 2xx answers (to the last answer), errors, and latency percentiles in ms.
 *
 * <pre>
 * java -cp 'bench/target/bench.jar:bench/target/lib/*' dev.peregrine.bench.intake.LoadGen \
 *     --url http://127.0.0.1:2801/ --rate 5000 --duration 20 --warmup 5
 * </pre>
 */
public final class LoadGen {
    private static final long STOP = Long.MIN_VALUE;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        URI url = URI.create(o.getOrDefault("url", "http://127.0.0.1:2801/"));
        String host = url.getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
            throw new IllegalArgumentException("loopback targets only, not " + host);
        }
        int port = url.getPort() < 0 ? 80 : url.getPort();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        double rate = Double.parseDouble(o.getOrDefault("rate", "1000"));
        double duration = Double.parseDouble(o.getOrDefault("duration", "20"));
        double warmup = Double.parseDouble(o.getOrDefault("warmup", "5"));
        long maxRequests = Long.parseLong(o.getOrDefault("max-requests", "10000000"));
        int connections = Integer.parseInt(o.getOrDefault("connections", "64"));
        int maxInflight = Integer.parseInt(o.getOrDefault("max-inflight", "4096"));
        String label = o.getOrDefault("label", "");
        List<byte[]> requests = new ArrayList<>();
        for (byte[] body : alerts(o.get("alerts"))) {
            byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] r = new byte[head.length + body.length];
            System.arraycopy(head, 0, r, 0, head.length);
            System.arraycopy(body, 0, r, head.length, body.length);
            requests.add(r);
        }

        long total = Math.min(maxRequests, (long) Math.ceil(rate * (warmup + duration)));
        long warmupCount = (long) (rate * warmup);
        double intervalNanos = 1e9 / rate;
        long start = System.nanoTime() + 100_000_000L;
        long measureStart = start + (long) (warmupCount * intervalNanos);
        long hardStop = start + (long) ((warmup + duration + 30) * 1e9); // bounded in time whatever happens

        Recorder recorder = new Recorder(3_600_000_000L, 3); // up to 1 h, in microseconds
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong okMeasured = new AtomicLong();
        AtomicLong lastAnswer = new AtomicLong();
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        // each entry: the request's index, due time in the high bits is not needed: index gives it
        BlockingQueue<Long> due = new ArrayBlockingQueue<>(maxInflight);

        List<Thread> workers = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            workers.add(Thread.ofVirtual().name("loadgen-" + c).start(() -> {
                Connection conn = null;
                while (true) {
                    long i;
                    try {
                        i = due.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (i == STOP) {
                        break;
                    }
                    long dueAt = start + (long) (i * intervalNanos);
                    try {
                        if (conn == null) {
                            conn = new Connection(host, port);
                        }
                        int status = conn.exchange(requests.get((int) (i % requests.size())));
                        long done = System.nanoTime();
                        if (conn.closing()) {
                            conn.close();
                            conn = null;
                        }
                        lastAnswer.accumulateAndGet(done, Math::max);
                        if (status / 100 == 2) {
                            ok.incrementAndGet();
                            if (i >= warmupCount) {
                                okMeasured.incrementAndGet();
                                recorder.recordValue(Math.max(0, (done - dueAt) / 1000));
                            }
                        } else {
                            failed.incrementAndGet();
                            errors.computeIfAbsent("http_" + status, k -> new AtomicLong())
                                    .incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong())
                                .incrementAndGet();
                        if (conn != null) {
                            conn.close();
                        }
                        conn = null;
                    }
                }
                if (conn != null) {
                    conn.close();
                }
            }));
        }

        long sent = 0;
        for (long i = 0; i < total; i++) {
            long dueAt = start + (long) (i * intervalNanos);
            long now;
            while ((now = System.nanoTime()) < dueAt) {
                LockSupport.parkNanos(Math.min(dueAt - now, 500_000L));
            }
            if (now > hardStop || !due.offer(i, Math.max(1, hardStop - now), TimeUnit.NANOSECONDS)) {
                break;
            }
            sent++;
        }
        for (int c = 0; c < connections; c++) {
            long left = Math.max(1, hardStop - System.nanoTime());
            if (!due.offer(STOP, left, TimeUnit.NANOSECONDS)) {
                break;
            }
        }
        for (Thread w : workers) {
            w.join(Math.max(1, (hardStop - System.nanoTime()) / 1_000_000));
        }
        // achieved: 2xx answers to measured requests per second, from the first measured request's
        // due time to the last answer, so a server that falls behind is not credited with its backlog
        double seconds = Math.max(1e-9, (lastAnswer.get() - measureStart) / 1e9);
        Histogram h = recorder.getIntervalHistogram();
        long lost = sent - ok.get() - failed.get();
        System.out.printf(
                Locale.ROOT,
                "RESULT label=%s target_rps=%.0f sent=%d ok=%d errors=%d achieved_rps=%.0f p50_ms=%.3f p90_ms=%.3f"
                        + " p99_ms=%.3f p999_ms=%.3f max_ms=%.3f%s%n",
                label,
                rate,
                sent,
                ok.get(),
                failed.get() + lost,
                okMeasured.get() / seconds,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0,
                errors.isEmpty() ? "" : " error_kinds=" + errors);
        System.exit(failed.get() + lost == 0 ? 0 : 2);
    }

    /** One keep-alive HTTP/1.1 connection: write a request, read the status and skip the body. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private boolean closing;

        Connection(String host, int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            int sp = statusLine.indexOf(' ');
            if (!statusLine.startsWith("HTTP/1.") || sp < 0 || statusLine.length() < sp + 4) {
                throw new IOException("bad status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(sp + 1, sp + 4));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String h; !(h = line()).isEmpty(); ) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" ->
                        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    default -> {}
                }
            }
            if (chunked) {
                for (long size; (size = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length > 0) {
                skip(length);
            }
            closing = close; // e.g. Tomcat's maxKeepAliveRequests (100): the answer counts, then reconnect
            return status;
        }

        /** The server said "Connection: close" in its last answer. */
        boolean closing() {
            return closing;
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long s = in.skip(n);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("connection closed");
                    }
                    s = 1;
                }
                n -= s;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** Non-empty lines of a JSONL file, or of the sample shipped in this jar. */
    static List<byte[]> alerts(String file) throws IOException {
        String text;
        if (file != null) {
            text = Files.readString(Path.of(file));
        } else {
            try (InputStream in = LoadGen.class.getResourceAsStream("/falco/sample_alerts.jsonl")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        return text.lines()
                .filter(l -> !l.isBlank())
                .map(l -> l.getBytes(StandardCharsets.UTF_8))
                .toList();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --name value ...; bad argument " + args[i]);
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}
