package dev.peregrine.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the JDK's own HTTP server on loopback. */
class LoopbackHttpTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private HttpServer server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ping", x -> answer(x, 200, "pong\n"));
        server.createContext("/metrics", x -> answer(x, 200, "# HELP queue\nqueue_depth{out=\"a\"} 3.0\nqueue 7\n"));
        server.createContext("/missing", x -> answer(x, 404, "not here"));
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(com.sun.net.httpserver.HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, bytes.length);
        try (var out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void aPageThatAnswers200IsItsBody() {
        assertThat(LoopbackHttp.get(port, "/ping", TIMEOUT)).isEqualTo("pong\n");
    }

    @Test
    void anyOtherStatusOrNoServerReadsAsEmpty() throws IOException {
        assertThat(LoopbackHttp.get(port, "/missing", TIMEOUT)).isEmpty();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThat(LoopbackHttp.get(closed, "/ping", TIMEOUT)).isEmpty();
    }

    @Test
    void aMetricIsTheValueOfItsSeriesOrMinusOne() {
        assertThat(LoopbackHttp.metric(port, "queue_depth{out=\"a\"}", TIMEOUT)).isEqualTo(3.0);
        assertThat(LoopbackHttp.metric(port, "queue", TIMEOUT)).isEqualTo(7.0);
        assertThat(LoopbackHttp.metric(port, "absent", TIMEOUT)).isEqualTo(-1.0);
    }
}
