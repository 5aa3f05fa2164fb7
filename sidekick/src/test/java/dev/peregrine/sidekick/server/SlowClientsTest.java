package dev.peregrine.sidekick.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Slow-loris clients over loopback, each a real socket that sends a byte every 200 ms (which
 * Tomcat's per-read timeout alone never stops): the server closes the connection, and does so
 * within a bound well above its deadlines. A client that sends nothing is closed too, and a
 * normal client is served meanwhile.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SlowClientsTest {
    /** Far above every deadline below: only "closed at all, in bounded time" is asserted. */
    static final long CLOSED_WITHIN_MILLIS = 20_000;

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.http.header-timeout", () -> "2s");
        r.add("peregrine.http.body-timeout", () -> "2s");
        r.add("peregrine.http.min-body-rate", () -> "100B");
        r.add("server.tomcat.connection-timeout", () -> "3s");
        r.add("spring.grpc.server.port", () -> "0");
    }

    /** What the server sent before it closed the connection; fails if it did not close in time. */
    String trickle(String head, String trickled) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long deadline = System.currentTimeMillis() + CLOSED_WITHIN_MILLIS;
            int next = 0;
            while (System.currentTimeMillis() < deadline) {
                if (trickled != null) {
                    try {
                        out.write(trickled.charAt(next++ % trickled.length()));
                        out.flush();
                    } catch (IOException e) {
                        return answer.toString(StandardCharsets.US_ASCII); // reset: closed
                    }
                }
                try {
                    byte[] buf = new byte[4096];
                    int n = in.read(buf); // waits up to 200 ms: the pace of the trickle
                    if (n < 0) {
                        return answer.toString(StandardCharsets.US_ASCII);
                    }
                    answer.write(buf, 0, n);
                } catch (SocketTimeoutException e) {
                    // still open
                } catch (IOException e) {
                    return answer.toString(StandardCharsets.US_ASCII); // reset: closed
                }
            }
            throw new AssertionError("the server kept the connection open for " + CLOSED_WITHIN_MILLIS + " ms");
        }
    }

    @Test
    void aClientSendingItsHeadersByteByByteIsDisconnected() throws Exception {
        trickle("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Padding: aaaaaaaaaaaaaaaaaaaa\r\n");
        assertThat(new Http(port).get("/actuator/prometheus").body())
                .containsPattern("peregrine_http_slow_clients_total [1-9]");
    }

    @Test
    void aClientSendingItsBodyByteByByteGets408AndIsDisconnected() throws Exception {
        String answer = trickle(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
                "{\"rule\":\"r\"   ");
        assertThat(answer).startsWith("HTTP/1.1 408").contains("body_too_slow");
    }

    @Test
    void aChunkedBodyTrickledIsCutOffToo() throws Exception {
        String answer = trickle(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                "1\r\n \r\n");
        assertThat(answer).startsWith("HTTP/1.1 408");
    }

    @Test
    void aClientThatSendsNothingIsDisconnected() throws Exception {
        trickle("", null);
    }

    @Test
    void normalClientsAreServedMeanwhile() throws Exception {
        assertThat(new Http(port).postJson("/", SampleAlerts.LINES.getFirst()).statusCode())
                .isEqualTo(200);
    }
}
