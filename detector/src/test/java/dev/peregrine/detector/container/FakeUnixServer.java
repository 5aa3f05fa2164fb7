package dev.peregrine.detector.container;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted server on a unix socket: reads each request's head, records its request line, and
 * answers with what the handler returns, written in the given pieces (to split lines and chunks
 * across reads) before closing the connection.
 */
final class FakeUnixServer implements AutoCloseable {
    interface Handler {
        /** Raw response pieces for one request line; an empty list means "never answer". */
        List<String> answer(String requestLine) throws Exception;
    }

    final Path socket;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> heads = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocketChannel server;
    private final Thread acceptor;

    FakeUnixServer(Path dir, Handler handler) throws IOException {
        socket = dir.resolve("engine.sock");
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(ch, handler));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(SocketChannel ch, Handler handler) {
        try (ch) {
            String head = readHead(ch);
            heads.add(head);
            String line = head.substring(0, head.indexOf("\r\n"));
            requests.add(line);
            List<String> pieces = handler.answer(line);
            if (pieces.isEmpty()) {
                Thread.sleep(60_000);
                return;
            }
            for (String piece : pieces) {
                ByteBuffer b = ByteBuffer.wrap(piece.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) ch.write(b);
                Thread.sleep(2);
            }
        } catch (Exception ignored) {
            // client went away
        }
    }

    private static String readHead(SocketChannel ch) throws IOException {
        StringBuilder sb = new StringBuilder();
        ByteBuffer b = ByteBuffer.allocate(1);
        while (!sb.toString().endsWith("\r\n\r\n")) {
            b.clear();
            if (ch.read(b) < 0) throw new IOException("closed");
            sb.append((char) b.array()[0]);
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        Files.deleteIfExists(socket);
    }
}
