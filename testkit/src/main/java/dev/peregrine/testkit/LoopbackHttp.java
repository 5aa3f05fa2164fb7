package dev.peregrine.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * GET on a program a test started, over loopback (127.0.0.1): its pages as text. A page that does
 * not answer 200 (not up yet, refused, any other status) reads as "", so that a bounded readiness
 * poll simply asks again.
 */
public final class LoopbackHttp {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LoopbackHttp() {}

    /** The body of {@code path} on the port when it answers 200 within {@code timeout}, else "". */
    public static String get(int port, String path, Duration timeout) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(timeout)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** A series' value on the port's Prometheus page /metrics, -1 when absent. */
    public static double metric(int port, String series, Duration timeout) {
        return get(port, "/metrics", timeout)
                .lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst()
                .orElse(-1);
    }
}
