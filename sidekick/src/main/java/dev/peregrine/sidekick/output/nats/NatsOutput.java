package dev.peregrine.sidekick.output.nats;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.Secrets;
import dev.peregrine.sidekick.template.AlertTemplate;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each alert to NATS. One connection per output, shared by all sends, opened in the
 * background from startup on: a server that is not there yet is retried like a lost connection,
 * and sends fail (retryable) until it is connected. Core NATS: {@link #send} returns after a flush, i.e. once the server has processed
 * the message; JetStream: once the stream acknowledged it.
 */
final class NatsOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(NatsOutput.class);

    /** Falcosidekick's subject, under our own prefix. */
    static final String DEFAULT_SUBJECT = "peregrine.<priority>.<rule>";

    /** JetStream's de-duplication header; core subscribers see the uuid in it too. */
    static final String MSG_ID_HEADER = "Nats-Msg-Id";

    /** Falcosidekick's rule slug: lower case, runs of anything but a-z and 0-9 become one '_'. */
    private static final Pattern NOT_TOKEN = Pattern.compile("[^a-z0-9]+");

    /** Template tags, removed to check what is left: the literal text of the subject. */
    private static final Pattern TAGS = Pattern.compile("\\{\\{.*?}}|\\{%.*?%}|\\{#.*?#}", Pattern.DOTALL);

    private final String name;
    private final NatsConfig config;
    private final Secrets secrets;
    private final AlertTemplate subject;
    private final PublishOptions publishOptions;
    /** Set by the first connection event: connecting runs in the background from the start. */
    private final AtomicReference<Connection> connection = new AtomicReference<>();

    private final AtomicReference<JetStream> jetStream = new AtomicReference<>();
    private final CountDownLatch firstAttempt = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile boolean wasConnected;
    /** Core NATS publishes so far, and how many of them a completed flush has confirmed. */
    private final AtomicLong published = new AtomicLong();

    private final Object flushLock = new Object();
    private long flushed; // guarded by flushLock

    NatsOutput(String name, NatsConfig config, AlertTemplate subject) {
        this.name = name;
        this.config = config;
        this.secrets = Secrets.of(config);
        this.subject = subject;
        this.publishOptions =
                PublishOptions.builder().streamTimeout(config.timeout()).build();
        try {
            // Connects in the background; a server that is not there yet is retried like a lost
            // connection. Startup waits for the first attempt only, so that a server that is up
            // is connected when the first alert comes, and one that is down delays nothing.
            Nats.connectAsynchronously(options(config), true);
            if (!firstAttempt.await(config.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                log.warn(
                        "output {}: no answer from NATS {} yet; connecting in the background",
                        name,
                        config.shownServers());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("output " + name + ": interrupted while connecting to NATS", e);
        }
    }

    private Options options(NatsConfig config) {
        Options.Builder b = new Options.Builder()
                .servers(config.servers().stream().map(String::trim).toArray(String[]::new))
                .connectionName("peregrine-" + name)
                .connectionTimeout(config.timeout())
                .maxReconnects(-1) // forever: alerts wait in the spool meanwhile
                .reconnectWait(Duration.ofSeconds(1))
                // No hidden buffer while disconnected: a send then fails and the spool keeps the alert.
                .reconnectBufferSize(0)
                .connectionListener(this::connectionEvent)
                .errorListener(new ErrorListener() {
                    @Override
                    public void exceptionOccurred(Connection conn, Exception exp) {
                        log.debug("output {}: NATS: {}", name, secrets.mask(exp.toString()));
                    }

                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        log.warn("output {}: NATS server error: {}", name, secrets.mask(error));
                    }
                });
        if (config.username() != null) {
            b.userInfo(config.username(), config.password() == null ? "" : config.password());
        }
        if (config.token() != null) {
            b.token(config.token().toCharArray());
        }
        if (config.credentialsFile() != null) {
            b.authHandler(Nats.credentials(config.credentialsFile()));
        }
        if (config.tls().customized()) {
            b.sslContext(config.tls().sslContext());
        }
        return b.build();
    }

    private void connectionEvent(Connection conn, ConnectionListener.Events event) {
        if (connection.compareAndSet(null, conn) && closed) {
            // Closed before the first event: end the background connecting now, off this thread.
            Thread.ofVirtual().start(() -> closeQuietly(conn));
        }
        firstAttempt.countDown();
        switch (event) {
            case CONNECTED, RECONNECTED -> {
                wasConnected = true;
                log.info(
                        "output {}: NATS {} ({})", name, event.name().toLowerCase(Locale.ROOT), conn.getConnectedUrl());
            }
            case DISCONNECTED -> {
                // Once per outage, not once per attempt.
                if (wasConnected) {
                    wasConnected = false;
                    log.warn("output {}: NATS connection lost; reconnecting", name);
                }
            }
            default -> log.debug("output {}: NATS {}", name, event);
        }
    }

    /**
     * Compiles a subject template: Falcosidekick's {@code <priority>} and {@code <rule>} become
     * Pebble expressions, and the literal text must be usable in a subject.
     *
     * @throws ConfigException naming {@code key}, and the line for a syntax error
     */
    static AlertTemplate compile(String key, String source) {
        String pebble = source.replace("<priority>", "{{ priority }}").replace("<rule>", "{{ rule }}");
        AlertTemplate template = AlertTemplate.compile(key, pebble);
        String literal = TAGS.matcher(pebble).replaceAll("");
        if (!literal.chars().allMatch(c -> c > ' ' && c != '*' && c != '>' && c != 0x7f)) {
            throw new ConfigException(
                    key,
                    "a subject cannot contain whitespace, '*' or '>' (wildcards are for" + " subscribers): '" + source
                            + "'");
        }
        return template;
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        String subj = subject(alert);
        String where = "nats " + config.shownServers() + " subject " + subj;
        Connection conn = connection.get();
        Connection.Status status = conn == null ? Connection.Status.DISCONNECTED : conn.getStatus();
        if (status != Connection.Status.CONNECTED) {
            throw DeliveryException.retryable(where + ": not connected (" + status + ")", null);
        }
        Headers headers = new Headers().put(MSG_ID_HEADER, alert.uuid());
        Message message = NatsMessage.builder()
                .subject(subj)
                .headers(headers)
                .data(AlertJson.write(alert))
                .build();
        try {
            if (config.jetstream()) {
                PublishAck ack = jetStream(conn).publish(message, publishOptions);
                if (ack.isDuplicate()) {
                    log.debug("output {}: stream {} already had alert {}", name, ack.getStream(), alert.uuid());
                }
            } else {
                conn.publish(message);
                flushThrough(conn, published.incrementAndGet());
            }
        } catch (IllegalArgumentException e) {
            // The server's max_payload, say: this message will never be taken as it is.
            throw DeliveryException.permanent(where + ": " + e.getMessage());
        } catch (TimeoutException e) {
            throw DeliveryException.retryable(
                    where + ": no answer within " + config.timeout().toMillis() + " ms", e);
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            throw DeliveryException.retryable(where + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(where + ": interrupted", e);
        }
    }

    /**
     * Returns once the server has processed publish number {@code mine}. One flush at a time per
     * connection, and one flush confirms every publish before it: jnats counts each flush's PING
     * against max-pings-out (2), so concurrent flushes from the output's parallel sends made it
     * declare the connection stale and reconnect, failing nearly every send at parallelism 4.
     */
    private void flushThrough(Connection conn, long mine) throws TimeoutException, InterruptedException {
        synchronized (flushLock) {
            if (flushed >= mine) {
                return; // a flush that started after our publish has confirmed it
            }
            long upTo = published.get();
            conn.flush(config.timeout());
            flushed = Math.max(flushed, upTo);
        }
    }

    /**
     * The alert's subject. A template that fails on this alert is a configuration mistake the
     * alert cannot get past: permanent, so it is kept in the dead-letter table, not retried forever.
     */
    String subject(Alert alert) throws DeliveryException {
        String rendered;
        try {
            rendered = subject.render(model(alert));
        } catch (AlertTemplate.RenderException e) {
            throw DeliveryException.permanent(
                    "output " + name + ": subject-template failed on alert " + alert.uuid() + ": " + e.getMessage());
        }
        // An empty token (a field the alert does not have) becomes "_": a.b._ rather than a.b.
        String[] tokens = rendered.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].isEmpty()) {
                tokens[i] = "_";
            }
        }
        return String.join(".", tokens);
    }

    /**
     * What a subject template sees: the alert's fields as in other templates, each value made a
     * subject token the way Falcosidekick makes the rule one (lower case; runs of anything other
     * than a-z and 0-9 become '_'; no value: '_'). The uuid is kept as it is.
     */
    static Map<String, Object> model(Alert alert) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", alert.uuid());
        m.put("time", token(AlertJson.formatTime(alert.time())));
        m.put("rule", token(alert.rule()));
        m.put("priority", token(alert.priority().falcoName()));
        m.put("source", token(alert.source()));
        m.put("hostname", token(alert.hostname()));
        m.put("output", token(alert.output()));
        m.put("tags", alert.tags().stream().map(NatsOutput::token).toList());
        Map<String, String> fields = new LinkedHashMap<>();
        alert.outputFields().forEach((k, v) -> fields.put(k, token(v == null ? "" : alert.fieldText(k))));
        m.put("output_fields", fields);
        return m;
    }

    static String token(String value) {
        String t = NOT_TOKEN.matcher(value.toLowerCase(Locale.ROOT)).replaceAll("_");
        int start = 0;
        int end = t.length();
        while (start < end && t.charAt(start) == '_') {
            start++;
        }
        while (end > start && t.charAt(end - 1) == '_') {
            end--;
        }
        return start == end ? "_" : t.substring(start, end);
    }

    private JetStream jetStream(Connection conn) throws IOException {
        JetStream js = jetStream.get();
        if (js == null) {
            js = conn.jetStream();
            jetStream.compareAndSet(null, js);
        }
        return js;
    }

    @Override
    public void close() {
        closed = true;
        Connection conn = connection.get();
        if (conn != null) {
            closeQuietly(conn);
        }
    }

    private static void closeQuietly(Connection conn) {
        try {
            conn.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: the connection's state. */
    Connection.Status status() {
        Connection conn = connection.get();
        return conn == null ? Connection.Status.DISCONNECTED : conn.getStatus();
    }
}
