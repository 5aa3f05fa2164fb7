package dev.peregrine.sidekick.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
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
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A real HTTP endpoint on loopback that records every request and answers with a status that the
 * test can change while it runs (200, 500, slow...), to play a webhook, Slack or SIEM receiver.
 * A test that plays a service with its own answers (Elasticsearch's bulk API, a token endpoint)
 * gives them with {@link #respond}; {@link #https} serves TLS, with client certificates if asked.
 */
public final class RecordingHttpServer implements AutoCloseable {

    /**
     * @param path the decoded path, without the query
     * @param query the decoded query, or null
     * @param client the client certificate's subject over mutual TLS, or null
     */
    public record Request(
            String method, String path, String query, Map<String, List<String>> headers, String body, String client) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst())
                    .findFirst()
                    .orElse(null);
        }
    }

    /** What the server answers; an empty body is sent as no body at all (as 204 needs). */
    public record Answer(int status, Map<String, String> headers, String body) {
        public Answer(int status, String body) {
            this(status, Map.of(), body);
        }
    }

    private final HttpServer server;
    private final String scheme;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Request> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile int status = 200;
    private volatile Duration delay = Duration.ZERO;
    private volatile Function<Request, Answer> responder = r -> {
        int s = status;
        return new Answer(s, s < 300 ? "ok" : "failing on purpose");
    };

    public RecordingHttpServer() {
        this(0);
    }

    /** @param port 0 for any free port */
    public RecordingHttpServer(int port) {
        this(create(port, null, false));
    }

    /** An HTTPS endpoint with {@code ssl}'s certificate; with {@code needClientAuth}, mutual TLS. */
    public static RecordingHttpServer https(SSLContext ssl, boolean needClientAuth) {
        return new RecordingHttpServer(create(0, ssl, needClientAuth));
    }

    private static HttpServer create(int port, SSLContext ssl, boolean needClientAuth) {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try {
            if (ssl == null) {
                return HttpServer.create(address, 128);
            }
            HttpsServer https = HttpsServer.create(address, 128);
            https.setHttpsConfigurator(new HttpsConfigurator(ssl) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = getSSLContext().getDefaultSSLParameters();
                    p.setNeedClientAuth(needClientAuth);
                    params.setSSLParameters(p);
                }
            });
            return https;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RecordingHttpServer(HttpServer server) {
        this.server = server;
        this.scheme = server instanceof HttpsServer ? "https" : "http";
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            attempts.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            Request request = new Request(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getQuery(),
                    Map.copyOf(exchange.getRequestHeaders()),
                    new String(body, StandardCharsets.UTF_8),
                    client(exchange));
            received.add(request);
            Duration d = delay;
            if (!d.isZero()) {
                try {
                    Thread.sleep(d); // plays a slow destination, not test synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Answer a = responder.apply(request);
            if (a.status() >= 200 && a.status() < 300) {
                requests.add(request);
            }
            a.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            byte[] answer = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(a.status(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        });
        server.start();
    }

    private static String client(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) {
            return null;
        }
        try {
            return https.getSSLSession().getPeerPrincipal().getName();
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return null;
        }
    }

    /** The base address, {@code http://127.0.0.1:port}, for outputs that add their own path. */
    public URI base() {
        return URI.create(scheme + "://127.0.0.1:" + port());
    }

    public URI uri() {
        return URI.create(base() + "/hook");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests answered with 2xx, in arrival order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every request received, whatever it was answered, in arrival order. */
    public List<Request> received() {
        return List.copyOf(received);
    }

    /** Every request received on a path starting with {@code pathPrefix}, in arrival order. */
    public List<Request> received(String pathPrefix) {
        return received.stream().filter(r -> r.path().startsWith(pathPrefix)).toList();
    }

    /** Every request received, whatever it was answered. */
    public int attempts() {
        return attempts.get();
    }

    public void answer(int status) {
        this.status = status;
    }

    /** Answers each request with what {@code responder} makes of it, instead of the status alone. */
    public void respond(Function<Request, Answer> responder) {
        this.responder = responder;
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
