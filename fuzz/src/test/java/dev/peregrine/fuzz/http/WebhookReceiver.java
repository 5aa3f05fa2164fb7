package dev.peregrine.fuzz.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP webhook on loopback, counting each alert it receives by uuid (the Idempotency-Key). */
final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            String uuid = ex.getRequestHeaders().getFirst("Idempotency-Key");
            deliveries
                    .computeIfAbsent(String.valueOf(uuid), k -> new AtomicInteger())
                    .incrementAndGet();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/ingest";
    }

    int times(String uuid) {
        AtomicInteger n = deliveries.get(uuid);
        return n == null ? 0 : n.get();
    }

    Map<String, AtomicInteger> all() {
        return Map.copyOf(deliveries);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
