package dev.peregrine.sidekick.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a destination answers reaches the output as text, in every form an HTTP answer takes. */
class HttpSenderTest {
    private HttpServer server;
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private URI uri;
    private final CountDownLatch released = new CountDownLatch(1);
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private record Received(String method, String target, Headers headers, byte[] body) {}

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        // Takes the request and never answers until the test ends: the response timeout's case.
        server.createContext("/silent", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                released.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.createContext("/echo", exchange -> {
            received.add(new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(),
                    exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        // /<status>/<form>/<charset>: form "empty", "sized" (Content-Length) or "chunked"
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            clientPorts.add(exchange.getRemoteAddress().getPort());
            String[] path = exchange.getRequestURI().getPath().split("/");
            int status = Integer.parseInt(path[1]);
            String form = path[2];
            String charset = path[3];
            byte[] body = form.equals("empty") ? new byte[0] : "{\"ok\":\"café\"}".getBytes(charset);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=" + charset);
            exchange.sendResponseHeaders(status, form.equals("empty") ? -1 : form.equals("chunked") ? 0 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        released.countDown();
        server.stop(0);
    }

    private String send(String path) throws DeliveryException {
        try (HttpSender http = new HttpSender(Duration.ofSeconds(5), null)) {
            return http.send(
                    "POST", uri.resolve(path), Map.of(), "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @CsvSource({
        "/200/empty/UTF-8, ''",
        "/200/sized/UTF-8, '{\"ok\":\"café\"}'",
        "/200/sized/ISO-8859-1, '{\"ok\":\"café\"}'",
        "/200/chunked/UTF-8, '{\"ok\":\"café\"}'",
        "/200/chunked/ISO-8859-1, '{\"ok\":\"café\"}'",
    })
    void answersAreReadInTheirCharset(String path, String expected) throws Exception {
        assertThat(send(path)).isEqualTo(expected);
    }

    @Test
    void anErrorAnswersBodyIsInTheFailure() {
        assertThatThrownBy(() -> send("/500/sized/ISO-8859-1"))
                .isInstanceOf(DeliveryException.class)
                .hasMessageContaining("answered 500")
                .hasMessageContaining("{\"ok\":\"café\"}");
    }

    @Test
    void answersReadToTheirEndLeaveTheConnectionReusable() throws Exception {
        try (HttpSender http = new HttpSender(Duration.ofSeconds(5), null)) {
            for (String form : new String[] {"empty", "sized", "chunked"}) {
                for (int i = 0; i < 5; i++) {
                    http.send(
                            "POST",
                            uri.resolve("/200/" + form + "/UTF-8"),
                            Map.of(),
                            "application/json",
                            "{}".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void aDestinationThatDoesNotAnswerWithinTheTimeoutFailsTheSendRetryably() throws Exception {
        // The output's timeout bounds the wait for the answer on every send, not only the
        // connect: a hung receiver must fail the send (for the delivery's retry), not hold a sender.
        try (HttpSender http = new HttpSender(Duration.ofMillis(300), null)) {
            for (int i = 0; i < 2; i++) { // the second on a connection the pool had already used
                assertThatThrownBy(() -> http.send(
                                "POST",
                                uri.resolve("/silent"),
                                Map.of(),
                                "application/json",
                                "{}".getBytes(StandardCharsets.UTF_8)))
                        .isInstanceOfSatisfying(
                                DeliveryException.class,
                                e -> assertThat(e.retryable()).isTrue())
                        .hasMessageContaining("SocketTimeoutException");
                http.send(
                        "POST",
                        uri.resolve("/200/empty/UTF-8"),
                        Map.of(),
                        "application/json",
                        "{}".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void eachSendIsOneRequestWithTheHeadersGivenAndTheClientsOwn() throws Exception {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        try (HttpSender http = new HttpSender(Duration.ofSeconds(5), null)) {
            for (String type : new String[] {"application/json", "application/x-ndjson", "application/json"}) {
                http.send("PUT", uri.resolve("/echo/a%20b?x=1&y=%2F"), Map.of("X-Api-Key", "k1"), type, body);
            }
        }
        assertThat(received).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Received r = received.get(i);
            assertThat(r.method()).isEqualTo("PUT");
            assertThat(r.target()).isEqualTo("/echo/a%20b?x=1&y=%2F");
            assertThat(r.body()).isEqualTo(body);
            assertThat(r.headers().getFirst("Content-Type"))
                    .isEqualTo(i == 1 ? "application/x-ndjson" : "application/json");
            assertThat(r.headers().getFirst("Content-Length")).isEqualTo(String.valueOf(body.length));
            assertThat(r.headers().getFirst("User-Agent")).isEqualTo("Peregrine-Sidekick");
            assertThat(r.headers().getFirst("X-Api-Key")).isEqualTo("k1");
            assertThat(r.headers().getFirst("Host"))
                    .isEqualTo("127.0.0.1:" + server.getAddress().getPort());
        }
    }
}
