package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unix-socket HTTP client container engines are asked through, against a scripted server. */
class UnixHttpTest {
    @TempDir
    Path dir;

    UnixHttp client(FakeUnixServer s) {
        return new UnixHttp(s.socket, Duration.ofSeconds(5));
    }

    @Test
    void contentLengthBody() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(
                dir,
                line -> List.of(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Le",
                        "ngth: 10\r\n\r\n{\"a\":",
                        "\"bc\"}"))) {
            UnixHttp.Response r = client(s).get("/containers/x/json");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers()).containsEntry("content-type", "application/json");
            assertThat(r.bodyText()).isEqualTo("{\"a\":\"bc\"}");
            assertThat(s.requests).containsExactly("GET /containers/x/json HTTP/1.1");
            assertThat(s.heads.get(0)).contains("\r\nHost: ").contains("\r\nConnection: close\r\n");
        }
    }

    @Test
    void contentLengthStopsReadingAtTheBodyEnd() throws Exception {
        try (FakeUnixServer s =
                new FakeUnixServer(dir, line -> List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE"))) {
            assertThat(client(s).get("/").bodyText()).isEqualTo("ok");
        }
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailers() throws Exception {
        // As dockerd sends JSON: Transfer-Encoding: chunked; pieces split size lines and data.
        try (FakeUnixServer s = new FakeUnixServer(
                dir,
                line -> List.of(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nApi-Version: 1.41\r\n\r\n",
                        "5\r\nhel",
                        "lo\r\n",
                        "f",
                        ";name=value\r\n, chunked world\r\n",
                        "0\r\nX-Trailer: t\r\n\r\n"))) {
            UnixHttp.Response r = client(s).get("/_ping");
            assertThat(r.bodyText()).isEqualTo("hello, chunked world");
            assertThat(r.headers()).containsEntry("api-version", "1.41");
        }
    }

    @Test
    void bodyUntilCloseWhenUnframed() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> List.of("HTTP/1.0 200 OK\r\n\r\nfirst ", "second"))) {
            assertThat(client(s).get("/").bodyText()).isEqualTo("first second");
        }
    }

    @Test
    void interimResponsesAreSkippedAndLfOnlyLinesAccepted() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(
                dir,
                line -> List.of(
                        "HTTP/1.1 100 Continue\r\n\r\n",
                        "HTTP/1.1 404 Not Found\nContent-Length: 21\n\n{\"message\":\"no such\"}"))) {
            UnixHttp.Response r = client(s).get("/containers/y/json");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.bodyText()).isEqualTo("{\"message\":\"no such\"}");
        }
    }

    @Test
    void noContentHasNoBody() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> List.of("HTTP/1.1 204 No Content\r\n\r\n"))) {
            assertThat(client(s).get("/").body()).isEmpty();
        }
    }

    @Test
    void truncatedBodiesFail() throws Exception {
        try (FakeUnixServer s =
                new FakeUnixServer(dir, line -> List.of("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"))) {
            assertThatThrownBy(() -> client(s).get("/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("5 of 100");
        }
        try (FakeUnixServer s = new FakeUnixServer(
                dir, line -> List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc"))) {
            assertThatThrownBy(() -> client(s).get("/")).isInstanceOf(IOException.class);
        }
        try (FakeUnixServer s = new FakeUnixServer(
                dir, line -> List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))) {
            assertThatThrownBy(() -> client(s).get("/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("chunk size");
        }
    }

    @Test
    void notHttpFails() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> List.of("SSH-2.0-OpenSSH\r\n\r\n"))) {
            assertThatThrownBy(() -> client(s).get("/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("not an HTTP response");
        }
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(dir, line -> List.of())) {
            assertThatThrownBy(() -> new UnixHttp(s.socket, Duration.ofMillis(300)).get("/"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("within 300 ms");
        }
    }

    @Test
    void aMissingSocketFails() {
        assertThatThrownBy(() -> new UnixHttp(dir.resolve("none.sock"), Duration.ofSeconds(1)).get("/"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void requestTargetsAreChecked() {
        UnixHttp c = new UnixHttp(dir.resolve("none.sock"), Duration.ofSeconds(1));
        assertThatThrownBy(() -> c.get("/a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.get("/a\r\nX: y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.get("a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStreamOfLinesArrivesLineByLineAcrossChunks() throws Exception {
        // As dockerd streams /events: one chunk per JSON line, here cut in the middle of lines too.
        try (FakeUnixServer s = new FakeUnixServer(
                dir,
                line -> List.of(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "8\r\n{\"a\":1}\n\r\n",
                        "5\r\n{\"b\":\r\n",
                        "3\r\n2}\n\r\n",
                        "4\r\n{\"c\"\r\n",
                        "0\r\n\r\n"))) {
            List<String> lines = new ArrayList<>();
            client(s).lines("/events", lines::add);
            // The body ended: its last line counts, though it had no newline.
            assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\"");
            assertThat(s.requests).containsExactly("GET /events HTTP/1.1");
        }
    }

    @Test
    void aStreamOnlyNeedsItsHeadWithinTheTimeout() throws Exception {
        try (FakeUnixServer s = new FakeUnixServer(
                dir,
                line -> List.of(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", "{\"x\":1}\r\n", "{\"y\":2}\n"))) {
            List<String> lines = new ArrayList<>();
            // The server writes its pieces 2 ms apart: more than the timeout in all.
            new UnixHttp(s.socket, Duration.ofMillis(500)).lines("/events", lines::add);
            assertThat(lines).containsExactly("{\"x\":1}", "{\"y\":2}");
        }
    }

    @Test
    void aRefusedStreamFails() throws Exception {
        try (FakeUnixServer s =
                new FakeUnixServer(dir, line -> List.of("HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n"))) {
            assertThatThrownBy(() -> client(s).lines("/events", l -> {}))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("400");
        }
    }
}
