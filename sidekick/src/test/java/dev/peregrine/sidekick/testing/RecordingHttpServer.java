package dev.peregrine.sidekick.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP endpoint on loopback that records every request and answers with a status that the
 * test can change while it runs (200, 500, slow...), to play a webhook, Slack or SIEM receiver.
 */
public final class RecordingHttpServer implements AutoCloseable {

    public record Request(String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst())
                    .findFirst()
                    .orElse(null);
        }
    }

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile int status = 200;
    private volatile Duration delay = Duration.ZERO;

    public RecordingHttpServer() {
        this(0);
    }

    /** @param port 0 for any free port */
    public RecordingHttpServer(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            attempts.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            Duration d = delay;
            if (!d.isZero()) {
                try {
                    Thread.sleep(d); // plays a slow destination, not test synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int s = status;
            if (s >= 200 && s < 300) {
                requests.add(new Request(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(),
                        Map.copyOf(exchange.getRequestHeaders()),
                        new String(body, StandardCharsets.UTF_8)));
            }
            byte[] answer = (s < 300 ? "ok" : "failing on purpose").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(s, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port() + "/hook");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests answered with 2xx, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every request received, whatever it was answered. */
    public int attempts() {
        return attempts.get();
    }

    public void answer(int status) {
        this.status = status;
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
