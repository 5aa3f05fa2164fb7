package dev.peregrine.sidekick.output;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The HTTP client every HTTP-based output shares the logic of: one JDK HttpClient per output
 * (its own connection pool, so a slow destination holds no connections another needs), status
 * codes mapped to retryable or permanent failures.
 */
public final class HttpSender implements AutoCloseable {
    private final HttpClient client;
    private final Duration timeout;

    public HttpSender(Duration timeout, TlsConfig tls) {
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null && tls.customized()) {
            b.sslContext(tls.sslContext());
        }
        this.client = b.build();
    }

    /** Sends a request with a body; returns the response body of a 2xx answer. */
    public String send(String method, URI uri, Map<String, String> headers, String contentType, byte[] body)
            throws DeliveryException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", contentType)
                .header("User-Agent", "Peregrine-Sidekick");
        headers.forEach(req::header);
        HttpResponse<String> resp;
        try {
            resp = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw DeliveryException.retryable(method + " " + uri + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(method + " " + uri + ": interrupted", e);
        }
        int status = resp.statusCode();
        if (status >= 200 && status < 300) {
            return resp.body();
        }
        String message = method + " " + uri + " answered " + status
                + (status >= 300 && status < 400 ? " (redirect to " + resp.headers().firstValue("Location").orElse("?")
                        + "; redirects are not followed: a redirected POST would arrive without its body)" : "")
                + ": " + abbreviate(resp.body());
        if (status == 408 || status == 425 || status == 429 || status >= 500) {
            throw DeliveryException.retryable(message, null);
        }
        throw DeliveryException.permanent(message);
    }

    /** Header names the JDK client refuses to send; caught at startup rather than at every send. */
    private static final java.util.Set<String> RESTRICTED_HEADERS =
            java.util.Set.of("connection", "content-length", "expect", "host", "upgrade");

    /**
     * Checks at startup what would otherwise fail every send at run time.
     *
     * @throws dev.peregrine.sidekick.config.ConfigException naming {@code key}
     */
    public static void checkUrl(String key, URI uri) {
        String scheme = uri.getScheme();
        if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || uri.getHost() == null) {
            throw new dev.peregrine.sidekick.config.ConfigException(key, "must be an http or https URL, got '" + uri + "'");
        }
    }

    /** @see #checkUrl */
    public static void checkHeaders(String key, Map<String, String> headers) {
        for (String name : headers.keySet()) {
            if (RESTRICTED_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                throw new dev.peregrine.sidekick.config.ConfigException(key + "." + name,
                        "this header is set by the HTTP client and cannot be configured");
            }
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public void close() {
        client.close();
    }
}
