package dev.peregrine.bench.outputs;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.output.nats.NatsConfig;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The NATS output (core NATS: publish, then flush, i.e. the server has processed the message)
 * against a real nats-server (started by run.sh, Debian's), and two ceilings with plain jnats on
 * the same server, same subjects, same payloads and the same Nats-Msg-Id header:
 * <ul>
 *   <li>{@code jnats-flush-pN}: the same semantics as the output (publish + flush per message,
 *       N in flight at once, the same virtual-thread driver), without the output's work
 *       (subject template, JSON writing, the driver's JSON parse);
 *   <li>{@code jnats-async}: one publisher, no flush per message, one flush at the end: what the
 *       server takes when a client pipelines (what {@code nats bench} measures).
 * </ul>
 * The ceilings' connection allows as many outstanding PINGs as there are senders; the output's
 * keeps jnats' default of 2, so more than 2 concurrent flushes make jnats drop and re-open its
 * connection (nats.java issue #291): that is measured as it is, failed sends counted.
 * The server's own count ({@code in_msgs} of its monitoring endpoint {@code /varz}) is read
 * before and after each step.
 */
final class NatsBench {
    private static final Pattern IN_MSGS = Pattern.compile("\"in_msgs\"\\s*:\\s*(\\d+)");

    private final OutputBench b;
    private final String url;
    private final URI varz;
    private final int asyncMessages;
    private final HttpClient http = HttpClient.newHttpClient();

    NatsBench(OutputBench b) {
        this.b = b;
        this.url = b.arg("nats-url");
        this.varz = URI.create(b.arg("nats-monitor") + "/varz");
        this.asyncMessages = Integer.parseInt(b.arg("ceiling-records", "200000"));
        b.serverPid = Long.parseLong(b.arg("nats-pid", "-1"));
    }

    long inMsgs() throws Exception {
        String body = http.send(
                        HttpRequest.newBuilder(varz)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = IN_MSGS.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no in_msgs in " + varz);
        }
        return Long.parseLong(m.group(1));
    }

    /** What the output would publish for sample i: its subject (Falcosidekick's slugs) and its JSON. */
    record Message(String subject, byte[] data) {}

    void run() throws Exception {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < b.samples.size(); i++) {
            Alert a = b.alert(i);
            messages.add(new Message(
                    "peregrine." + slug(a.priority().falcoName()) + "." + slug(a.rule()), AlertJson.write(a)));
        }
        NatsConfig config = new NatsConfig(
                List.of(url),
                "peregrine.<priority>.<rule>",
                false,
                null,
                null,
                null,
                null,
                Duration.ofSeconds(10),
                TlsConfig.NONE);
        int maxP = Arrays.stream(b.parallelism).max().orElse(4);
        // jnats counts every flush's PING against maxPingsOut (default 2) and treats more as a
        // stale connection (nats.java issue #291): the ceiling's connection allows one per sender.
        Options options = new Options.Builder()
                .server(url)
                .connectionName("bench-ceiling")
                .maxPingsOut(Math.max(2, maxP + 2))
                .build();
        try (Output output = config.create(new OutputContext("nats", "peregrine.outputs.nats"));
                Connection raw = Nats.connect(options)) {
            b.measure(() -> async(raw, messages, 0, Math.max(10_000, asyncMessages / 5)));
            b.measure(() -> flush(raw, messages, 0, maxP, b.warmupAlerts));
            // The output's warm-up at the smallest parallelism: above 2 it is busy reconnecting (see above).
            int minP = Arrays.stream(b.parallelism).min().orElse(1);
            b.measure(() -> b.drive("nats", "output-p" + minP, 0, output, minP, b.warmupAlerts, this::inMsgs));
            for (int i = 1; i <= b.runs; i++) {
                final int run = i;
                b.measure(() -> async(raw, messages, run, asyncMessages));
                for (int p : b.parallelism) {
                    b.measure(() -> flush(raw, messages, run, p, b.maxAlerts));
                    b.measure(() -> b.drive("nats", "output-p" + p, run, output, p, b.maxAlerts, this::inMsgs));
                }
            }
        }
    }

    /** Falcosidekick's token: lower case, runs of anything but a-z0-9 become one '_', trimmed. */
    static String slug(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return t.isEmpty() ? "_" : t;
    }

    private OutputBench.Result async(Connection c, List<Message> messages, int run, int count) throws Exception {
        long before = inMsgs();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(b.maxSeconds);
        int sent = 0;
        for (; sent < count && (sent % 1024 != 0 || System.nanoTime() < deadline); sent++) {
            Message m = messages.get(sent % messages.size());
            c.publish(m.subject(), new Headers().put("Nats-Msg-Id", Integer.toString(sent)), m.data());
        }
        c.flush(Duration.ofSeconds(60));
        double seconds = (System.nanoTime() - start) / 1e9;
        return new OutputBench.Result("nats", "jnats-async", run, sent, 0, seconds, inMsgs() - before, "");
    }

    private OutputBench.Result flush(Connection c, List<Message> messages, int run, int parallelism, int count)
            throws Exception {
        long before = inMsgs();
        Semaphore slots = new Semaphore(parallelism);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(b.maxSeconds);
        for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
            slots.acquire();
            Message m = messages.get(i % messages.size());
            String id = Integer.toString(i);
            Thread.ofVirtual().start(() -> {
                try {
                    c.publish(m.subject(), new Headers().put("Nats-Msg-Id", id), m.data());
                    c.flush(Duration.ofSeconds(10));
                    ok.incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                } finally {
                    slots.release();
                }
            });
        }
        slots.tryAcquire(parallelism, 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new OutputBench.Result(
                "nats", "jnats-flush-p" + parallelism, run, ok.get(), failed.get(), seconds, inMsgs() - before, "");
    }
}
