package dev.peregrine.sidekick.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.sidekick.testing.GrpcSender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The addresses the HTTP and gRPC ports listen on (docs/security.md, "What listens where"). Two
 * loopback addresses stand for "this host" and "another interface": Linux routes all of
 * 127.0.0.0/8 to lo, so a socket bound to 127.0.0.1 refuses connections to 127.0.0.2 exactly as
 * it would refuse them on a network interface, while one bound to every interface takes both.
 */
class BindAddressTest {
    static final InetAddress BOUND = address("127.0.0.1");
    static final InetAddress OTHER = address("127.0.0.2");

    static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean accepts(InetAddress address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 5_000);
            return true;
        } catch (ConnectException refused) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, BOUND)) {
            return s.getLocalPort();
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @Import(GrpcSender.Port.class)
    class ByDefault {
        @TempDir
        static Path spool;

        @LocalServerPort
        int http;

        @Autowired
        GrpcSender.Port grpc;

        @DynamicPropertySource
        static void properties(DynamicPropertyRegistry r) {
            r.add("peregrine.spool.dir", () -> spool.toString());
            r.add("spring.grpc.server.port", () -> "0");
        }

        @Test
        void bothPortsListenOnEveryInterface() throws Exception {
            assertThat(accepts(BOUND, http)).isTrue();
            assertThat(accepts(OTHER, http)).isTrue();
            assertThat(accepts(BOUND, grpc.get())).isTrue();
            assertThat(accepts(OTHER, grpc.get())).isTrue();
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class BoundToLoopback {
        @TempDir
        static Path spool;

        static int grpc;

        @LocalServerPort
        int http;

        @DynamicPropertySource
        static void properties(DynamicPropertyRegistry r) throws IOException {
            grpc = freePort();
            r.add("peregrine.spool.dir", () -> spool.toString());
            r.add("server.address", () -> "127.0.0.1");
            r.add("spring.grpc.server.address", () -> "127.0.0.1:" + grpc);
        }

        @Test
        void bothPortsTakeConnectionsOnThatAddressOnly() throws Exception {
            assertThat(accepts(BOUND, http)).isTrue();
            assertThat(accepts(OTHER, http)).isFalse();
            assertThat(accepts(BOUND, grpc)).isTrue();
            assertThat(accepts(OTHER, grpc)).isFalse();
            // And it is the intake that listens there.
            assertThat(GrpcSender.send(grpc, List.of(GrpcSender.envelope(1, "bound"))))
                    .singleElement()
                    .satisfies(a -> assertThat(a.getStatus()).isEqualTo(Ack.Status.DURABLE));
        }
    }
}
