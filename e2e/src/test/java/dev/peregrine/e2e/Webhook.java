package dev.peregrine.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A SIEM-like receiver on loopback that records every alert the sidekick posts. */
final class Webhook implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpServer server;
    private final ConcurrentLinkedQueue<JsonNode> alerts = new ConcurrentLinkedQueue<>();

    Webhook() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            alerts.add(JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/ingest";
    }

    List<JsonNode> alerts() {
        return List.copyOf(alerts);
    }

    List<JsonNode> alerts(String rule) {
        return alerts.stream()
                .filter(a -> rule.equals(a.get("rule").stringValue()))
                .toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
