package dev.peregrine.detector.container;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A minimal HTTP/1.1 client over a unix domain socket (the JDK's HttpClient has no unix sockets),
 * enough for container engine APIs: one GET per connection ({@code Connection: close}), bodies
 * framed by Content-Length, chunked transfer coding, or end of stream; 1xx responses skipped.
 * Blocking: call it from a virtual thread. A request that takes longer than the timeout has its
 * socket closed and fails.
 */
final class UnixHttp {
    record Response(int status, Map<String, String> headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static final int MAX_LINE = 16 * 1024;
    static final int MAX_BODY = 32 * 1024 * 1024;

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Path socket;
    private final Duration timeout;

    UnixHttp(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    Path socket() {
        return socket;
    }

    Response get(String target) throws IOException {
        checkTarget(target);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Set before the close: the reader may see the closed channel before the task completes.
            AtomicBoolean timedOut = new AtomicBoolean();
            ScheduledFuture<?> deadline = TIMER.schedule(
                    () -> {
                        timedOut.set(true);
                        closeQuietly(ch);
                    },
                    timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            try {
                send(ch, target);
                return read(new Reader(ch));
            } catch (IOException e) {
                if (timedOut.get())
                    throw new IOException("no answer from " + socket + " within " + timeout.toMillis() + " ms", e);
                throw e;
            } finally {
                deadline.cancel(false);
            }
        }
    }

    /**
     * A GET whose answer is a stream of lines (dockerd's {@code /events}): calls {@code each} with
     * every line of the body as it arrives, until the server ends the body (then returns). Only the
     * answer's head must come within the timeout; the stream then lasts as long as the server keeps
     * it. Interrupting the calling thread closes the connection (an {@link IOException} then).
     *
     * @throws IOException when the engine cannot be reached or answers other than 200
     */
    void lines(String target, Consumer<String> each) throws IOException {
        lines(target, () -> {}, each);
    }

    /** As {@link #lines(String, Consumer)}, calling {@code opened} once the answer's head said 200. */
    void lines(String target, Runnable opened, Consumer<String> each) throws IOException {
        checkTarget(target);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            AtomicBoolean timedOut = new AtomicBoolean();
            ScheduledFuture<?> deadline = TIMER.schedule(
                    () -> {
                        timedOut.set(true);
                        closeQuietly(ch);
                    },
                    timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            Reader in = new Reader(ch);
            Head head;
            try {
                send(ch, target);
                head = head(in);
            } catch (IOException e) {
                if (timedOut.get())
                    throw new IOException("no answer from " + socket + " within " + timeout.toMillis() + " ms", e);
                throw e;
            } finally {
                deadline.cancel(false);
            }
            if (timedOut.get())
                throw new IOException("no answer from " + socket + " within " + timeout.toMillis() + " ms");
            if (head.status() != 200) {
                throw new IOException(socket + " answered " + head.status() + " to " + target);
            }
            opened.run();
            LineSplitter lines = new LineSplitter(each);
            if (head.chunked()) {
                for (int size; (size = chunkSize(in)) > 0; ) {
                    lines.accept(in.bytes(size));
                    if (!in.line().isEmpty()) throw new IOException("chunk not followed by CRLF");
                }
            } else {
                for (byte[] piece; (piece = in.some()) != null; ) lines.accept(piece);
            }
            lines.end();
        }
    }

    private static void checkTarget(String target) {
        if (target.isEmpty() || target.charAt(0) != '/' || target.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
            throw new IllegalArgumentException("bad request target: " + target);
        }
    }

    private void send(SocketChannel ch, String target) throws IOException {
        ch.connect(UnixDomainSocketAddress.of(socket));
        String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: peregrine\r\n"
                + "Accept: application/json\r\nConnection: close\r\n\r\n";
        ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) ch.write(out);
    }

    /** Status and header fields of an answer (1xx answers skipped). */
    private record Head(int status, Map<String, String> headers) {
        boolean chunked() {
            return headers.getOrDefault("transfer-encoding", "")
                    .toLowerCase(Locale.ROOT)
                    .contains("chunked");
        }
    }

    private static Head head(Reader in) throws IOException {
        while (true) {
            String statusLine = in.line();
            // "HTTP/1.1 200 OK": the reason phrase is optional.
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
                throw new IOException("not an HTTP response: " + statusLine);
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("bad status line: " + statusLine);
            }
            Map<String, String> headers = new TreeMap<>();
            for (String h; !(h = in.line()).isEmpty(); ) {
                int colon = h.indexOf(':');
                if (colon <= 0) throw new IOException("bad header line: " + h);
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                headers.merge(name, value, (a, b) -> a + ", " + b);
            }
            if (status >= 100 && status < 200) continue; // interim response; the real one follows
            return new Head(status, headers);
        }
    }

    private static Response read(Reader in) throws IOException {
        Head head = head(in);
        int status = head.status();
        Map<String, String> headers = head.headers();
        byte[] body;
        if (status == 204 || status == 304) {
            body = new byte[0];
        } else if (head.chunked()) {
            body = chunked(in);
        } else if (headers.containsKey("content-length")) {
            long len;
            try {
                len = Long.parseLong(headers.get("content-length").split(",")[0].trim());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + headers.get("content-length"));
            }
            if (len < 0 || len > MAX_BODY) throw new IOException("Content-Length out of range: " + len);
            body = in.bytes((int) len);
        } else {
            body = in.rest();
        }
        return new Response(status, headers, body);
    }

    private static byte[] chunked(Reader in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size; (size = chunkSize(in)) > 0; ) {
            if (body.size() + (long) size > MAX_BODY) throw new IOException("chunked body too large");
            body.writeBytes(in.bytes(size));
            if (!in.line().isEmpty()) throw new IOException("chunk not followed by CRLF");
        }
        return body.toByteArray();
    }

    /** The next chunk's size; at the last (0) chunk, its trailer fields are read and skipped too. */
    private static int chunkSize(Reader in) throws IOException {
        String sizeLine = in.line();
        int semi = sizeLine.indexOf(';'); // chunk extensions are ignored
        String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
        long size;
        try {
            size = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size line: " + sizeLine);
        }
        if (size < 0 || size > MAX_BODY) throw new IOException("chunk of " + size + " bytes");
        if (size == 0) {
            while (!in.line().isEmpty()) {
                // trailer fields: ignored
            }
        }
        return (int) size;
    }

    /** Cuts a byte stream into UTF-8 lines (LF, or CRLF, ended); a line longer than MAX_LINE fails. */
    private static final class LineSplitter {
        private final Consumer<String> each;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSplitter(Consumer<String> each) {
            this.each = each;
        }

        void accept(byte[] piece) throws IOException {
            for (byte b : piece) {
                if (b == '\n') {
                    emit();
                } else {
                    if (line.size() >= MAX_BODY) throw new IOException("line longer than " + MAX_BODY + " bytes");
                    line.write(b);
                }
            }
        }

        /** The body ended: a last line without its LF counts too. */
        void end() {
            if (line.size() > 0) emit();
        }

        private void emit() {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            if (!s.isEmpty()) each.accept(s);
        }
    }

    /** Buffered reads from the channel: lines (CRLF or LF) and exact byte counts. */
    private static final class Reader {
        private final SocketChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(16 * 1024).flip();

        Reader(SocketChannel ch) {
            this.ch = ch;
        }

        private boolean fill() throws IOException {
            buf.compact();
            try {
                return ch.read(buf) >= 0;
            } finally {
                buf.flip();
            }
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        int n = sb.length();
                        if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                        return sb.toString();
                    }
                    if (sb.length() >= MAX_LINE) throw new IOException("line longer than " + MAX_LINE + " bytes");
                    sb.append((char) (b & 0xff));
                }
                if (!fill()) throw new EOFException("connection closed in the middle of the response");
            }
        }

        byte[] bytes(int n) throws IOException {
            byte[] out = new byte[n];
            int off = 0;
            while (off < n) {
                if (!buf.hasRemaining() && !fill())
                    throw new EOFException("connection closed after " + off + " of " + n + " body bytes");
                int k = Math.min(buf.remaining(), n - off);
                buf.get(out, off, k);
                off += k;
            }
            return out;
        }

        /** What is buffered, else what one read brings; null at the end of the stream. */
        byte[] some() throws IOException {
            if (!buf.hasRemaining() && !fill()) return null;
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        }

        byte[] rest() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            do {
                if (out.size() + buf.remaining() > MAX_BODY)
                    throw new IOException("body larger than " + MAX_BODY + " bytes");
                out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
                buf.position(buf.limit());
            } while (fill());
            return out.toByteArray();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "peregrine-http-timeouts");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
