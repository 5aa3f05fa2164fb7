package dev.peregrine.sidekick.server;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.Constants;
import org.apache.coyote.Request;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops clients that send a request's headers too slowly (slow-loris). Tomcat's own timeouts are
 * per read, so a client sending a byte a second keeps a connection, and everything it holds,
 * forever; Tomcat has no deadline for a whole request head.
 *
 * <p>Twice a second this looks at every open connection of the watched connectors; one whose
 * current request started (its first byte arrived) more than {@code headerTimeout} ago and is
 * still in its head is handed to Tomcat as if its read had timed out, and Tomcat closes it its own
 * way, on its own thread: closing a socket from here could free buffers a Tomcat thread is using.
 * Request bodies are the intake's to time (it reads them), with the
 * minimum data rate of {@link #allowedBodyNanos}.
 */
public final class SlowClients implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlowClients.class);
    private static final Duration SCAN_EVERY = Duration.ofMillis(500);

    private final long headerTimeoutNanos;
    private final List<AbstractEndpoint<?, ?>> endpoints = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    /** Connections sent their ERROR event, until they are gone. Used by the scanner thread alone. */
    private final Set<Object> dropping = new HashSet<>();

    private final ScheduledExecutorService scanner = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("slow-clients").daemon().factory());

    public SlowClients(Duration headerTimeout) {
        this.headerTimeoutNanos = headerTimeout.toNanos();
        scanner.scheduleWithFixedDelay(this::scan, SCAN_EVERY.toMillis(), SCAN_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Watches a connector's connections from now on. */
    public void watch(WatchedHttp11NioProtocol protocol) {
        endpoints.add(protocol.endpoint());
    }

    /** Connections dropped for a slow request head so far. */
    public long dropped() {
        return dropped.get();
    }

    private void scan() {
        try {
            long now = System.nanoTime();
            for (AbstractEndpoint<?, ?> endpoint : endpoints) {
                scan(endpoint, now);
            }
        } catch (RuntimeException e) {
            // a connection changed under us: it is looked at again in half a second
            log.debug("slow-client scan: {}", e.toString());
        }
    }

    private <S> void scan(AbstractEndpoint<S, ?> endpoint, long now) {
        Set<SocketWrapperBase<S>> open = endpoint.getConnections();
        dropping.retainAll(open);
        for (SocketWrapperBase<S> connection : open) {
            if (headTooSlow(connection, now) && dropping.add(connection)) {
                // What Tomcat's poller does when a read times out: an ERROR event, processed on
                // Tomcat's own thread, in turn with any other event of this connection; a
                // processor reading a request head closes the connection on it.
                endpoint.processSocket(connection, SocketEvent.ERROR, true);
                if (dropped.getAndIncrement() == 0) {
                    log.warn(
                            "dropped a connection from {} that took over {} ms to send a request's headers"
                                    + " (peregrine.http.header-timeout); further ones are counted in"
                                    + " peregrine_http_slow_clients_total",
                            connection.getRemoteAddr(),
                            TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos));
                }
            }
        }
    }

    private boolean headTooSlow(SocketWrapperBase<?> connection, long now) {
        if (!(connection.getCurrentProcessor() instanceof AbstractProcessor processor)) {
            return false; // between requests: Tomcat's keep-alive timeout covers an idle connection
        }
        Request request = processor.getRequest();
        long started = request.getStartTimeNanos();
        return started != -1 // -1: no byte of a request yet
                && inHead(request.getRequestProcessor().getStage())
                && now - started > headerTimeoutNanos;
    }

    /**
     * Whether a request with this stage is still in its head. Tomcat sets PREPARE once the headers
     * are parsed; while it waits for the rest of a head the processor rests at ENDED (its loop was
     * left for more bytes) or PARSE (parsing). A finished request is recycled (no start time)
     * before the connection waits for the next one.
     */
    private static boolean inHead(int stage) {
        return stage == Constants.STAGE_NEW || stage == Constants.STAGE_PARSE || stage == Constants.STAGE_ENDED;
    }

    /**
     * How long a body of which {@code bytesSoFar} have arrived may have taken: {@code timeout},
     * plus a second per {@code minRate} bytes (Apache's mod_reqtimeout MinRate).
     */
    public static long allowedBodyNanos(Duration timeout, long minBytesPerSecond, long bytesSoFar) {
        return timeout.toNanos() + bytesSoFar * 1_000_000_000L / Math.max(1, minBytesPerSecond);
    }

    @Override
    public void close() {
        scanner.shutdownNow();
    }
}
