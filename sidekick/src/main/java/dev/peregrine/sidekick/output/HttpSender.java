package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP client every HTTP-based output shares the logic of: one pooled client per output
 * (its own connections, so a slow destination holds none that another needs), status codes
 * mapped to retryable or permanent failures, redirects refused.
 *
 * <p>Apache HttpClient's classic (blocking) API on the delivery's sender threads: per request it
 * costs a fraction of the JDK client's CPU, whose asynchronous machinery dominated a webhook
 * delivery's cost (see docs/benchmarks.md).
 */
public final class HttpSender implements AutoCloseable {
    /** Enough for any error text worth logging; a huge error page is not read to its end. */
    private static final int MAX_RESPONSE_CHARS = 64 * 1024;

    private final CloseableHttpClient client;

    public HttpSender(Duration timeout, TlsConfig tls) {
        Timeout t = Timeout.of(timeout);
        PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(t)
                        .setSocketTimeout(t)
                        .build())
                // Bounded by the output's own parallelism already; the pool must not be the limit.
                .setMaxConnTotal(1024)
                .setMaxConnPerRoute(1024)
                // The lax pool: no single lock around every lease and release, at the price of limits
                // kept loosely, and the limits above are never reached (docs/benchmarks.md, issue 21).
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX);
        if (tls != null && tls.customized()) {
            pool.setTlsSocketStrategy(new DefaultClientTlsStrategy(tls.sslContext()));
        }
        this.client = HttpClients.custom()
                .setConnectionManager(pool.build())
                // No response timeout per request: the connection's socket timeout (above) is the same
                // value and bounds the wait for an answer as well, without setting it on the socket
                // again for every request (HttpSenderTest checks a silent destination still fails).
                .setDefaultRequestConfig(
                        RequestConfig.custom().setConnectionRequestTimeout(t).build())
                .disableRedirectHandling()
                // Retrying is the delivery's (resilience4j), with its backoff and circuit breaker.
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("Peregrine-Sidekick")
                .build();
    }

    /** Sends a request with a body; returns the response body of a 2xx answer. */
    public String send(String method, URI uri, Map<String, String> headers, String contentType, byte[] body)
            throws DeliveryException {
        ClassicHttpRequest req = new BasicClassicHttpRequest(method, uri);
        req.setEntity(new ByteArrayEntity(body, contentType(contentType)));
        headers.forEach(req::addHeader);
        Answer answer;
        try {
            answer = client.execute(
                    req,
                    resp -> new Answer(
                            resp.getCode(),
                            read(resp.getEntity()),
                            resp.getFirstHeader("Location") == null
                                    ? "?"
                                    : resp.getFirstHeader("Location").getValue()));
        } catch (IOException e) {
            throw DeliveryException.retryable(method + " " + Secrets.url(uri) + ": " + describe(e), e);
        }
        int status = answer.status;
        if (status >= 200 && status < 300) {
            return answer.body;
        }
        String message = method + " " + Secrets.url(uri) + " answered " + status
                + (status >= 300 && status < 400
                        ? " (redirect to " + (answer.location.equals("?") ? "?" : Secrets.url(answer.location))
                                + "; redirects are not followed: a redirected POST would arrive without its body)"
                        : "")
                + ": " + abbreviate(answer.body);
        if (status == 408 || status == 425 || status == 429 || status >= 500) {
            throw DeliveryException.retryable(message, null);
        }
        throw DeliveryException.permanent(message);
    }

    private record Answer(int status, String body, String location) {}

    private record ParsedType(String value, ContentType type) {}

    /** The last content type parsed: an output sends the same one every time. */
    private volatile ParsedType lastType;

    private ContentType contentType(String value) {
        ParsedType t = lastType;
        if (t == null || !t.value.equals(value)) {
            lastType = t = new ParsedType(value, ContentType.parse(value));
        }
        return t.type;
    }

    /**
     * The answer's body as text (its declared charset, else UTF-8). One with a declared length that
     * fits is read straight into an array of that size: a webhook answers every alert, mostly with
     * nothing or a few bytes, and {@code EntityUtils.toString} allocates a reader and 16 KB of
     * buffers for each (2.8 % of the sidekick's CPU flat out, docs/benchmarks.md).
     */
    static String read(HttpEntity entity) throws IOException {
        if (entity == null) {
            return "";
        }
        long length = entity.getContentLength();
        if (length < 0 || length > MAX_RESPONSE_CHARS) {
            try {
                return EntityUtils.toString(entity, StandardCharsets.UTF_8, MAX_RESPONSE_CHARS);
            } catch (ParseException e) {
                throw new IOException("unreadable response: " + e.getMessage(), e);
            }
        }
        try (InputStream in = entity.getContent()) {
            if (in == null || length == 0) {
                return "";
            }
            return new String(in.readNBytes((int) length), charset(entity));
        }
    }

    private static Charset charset(HttpEntity entity) {
        ContentType type = ContentType.parseLenient(entity.getContentType());
        Charset charset = type == null ? null : type.getCharset();
        return charset == null ? StandardCharsets.UTF_8 : charset;
    }

    /** The {@code Authorization} value of HTTP basic auth; a missing password is an empty one. */
    public static String basicAuth(String username, String password) {
        String credentials = username + ":" + (password == null ? "" : password);
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    /** Header names the HTTP client sets itself; caught at startup rather than garbling every send. */
    private static final Set<String> RESTRICTED_HEADERS =
            Set.of("connection", "content-length", "expect", "host", "upgrade");

    /**
     * Checks at startup what would otherwise fail every send at run time.
     *
     * @throws ConfigException naming {@code key}
     */
    public static void checkUrl(String key, URI uri) {
        String scheme = uri.getScheme();
        if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || uri.getHost() == null) {
            throw new ConfigException(key, "must be an http or https URL, got '" + Secrets.url(uri) + "'");
        }
    }

    /** @see #checkUrl */
    public static void checkHeaders(String key, Map<String, String> headers) {
        for (String name : headers.keySet()) {
            if (RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new ConfigException(
                        key + "." + name, "this header is set by the HTTP client and cannot be configured");
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
        client.close(CloseMode.GRACEFUL);
    }
}
