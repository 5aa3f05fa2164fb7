package dev.peregrine.detector.transport;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.DetectorStatus;
import dev.peregrine.contract.v1.Origin;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Streams the node spool to the sidekick's AlertIntake and removes each alert once its Ack says
 * it is durable there (or refused for good). Many alerts are in flight on one stream, so
 * throughput is not bound by round trips. When the sidekick is unreachable or refuses, the
 * stream is retried with exponential backoff and jitter, and resumes from the oldest unacked
 * alert: order is kept, and the sidekick's uuid dedup absorbs the resends.
 *
 * <p>A stream that has alerts in flight and got no ack at all for longer than the {@linkplain
 * LinkSettings#ackDeadline ack deadline} is ended and the link reconnects after its backoff: a
 * sidekick that is wedged (out of memory, its writer stuck) keeps the connection and answers
 * keep-alive pings, so without it the link would wait on that stream forever. Only the lack of
 * any progress counts, not how long one alert waited: a busy sidekick that acks slowly, or reads
 * this stream slowly to hold back a crowd of detectors, is not left (leaving would resend the whole
 * window and add to its load).
 *
 * <p>A sidekick ends connections past their age (HTTP/2 GOAWAY, {@code
 * peregrine.intake.grpc-max-connection-age}) so that links spread again over its replicas. That is
 * a rollover, not a failure: the link stops sending on the old stream, waits for the acks of what
 * it has in flight, half-closes, and opens a new channel at once (no backoff, not counted in the
 * reconnects, nothing logged as down). The new channel resolves the target again and picks one of
 * its addresses at random (a comma-separated list, or a DNS name's addresses), so links spread.
 *
 * <p>On the same stream, a {@link DetectorStatus} goes out when it opens and then every {@code
 * statusEvery}: the sidekick lists its detectors from these and raises an alert for one that
 * falls silent.
 */
public final class SidekickLink implements AutoCloseable {
    private static final System.Logger log = System.getLogger(SidekickLink.class.getName());

    /** How long a stream that is open with nothing in flight must last to count as up. */
    private static final long STAYS_UP = TimeUnit.SECONDS.toNanos(2);

    private final NodeSpool spool;
    private final LinkSettings settings;
    /** This detector's origin as the Alert field it becomes (see {@link Envelopes}). */
    private final byte[] originField;

    private final Origin origin;
    /** Null: no status reports. */
    private final Supplier<DetectorStatus> status;

    private final long statusEveryNanos;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean connected = new AtomicBoolean();
    private final Counter sent;
    private final Counter durable;
    private final Counter rejected;
    private final Counter retryLater;
    private final Counter reconnects;
    private final Counter ackTimeouts;
    private final Counter rollovers;
    private final Thread thread;
    private volatile ManagedChannel channel;
    private volatile String lastError = "";
    private final LinkLog linkLog;

    public SidekickLink(NodeSpool spool, LinkSettings settings, Origin origin, MeterRegistry metrics) {
        this(spool, settings, origin, metrics, null, Duration.ZERO);
    }

    /**
     * @param status this detector's status now (the link adds its origin), sent every {@code
     *     statusEvery}; null for none
     */
    public SidekickLink(
            NodeSpool spool,
            LinkSettings settings,
            Origin origin,
            MeterRegistry metrics,
            Supplier<DetectorStatus> status,
            Duration statusEvery) {
        this.spool = spool;
        this.settings = settings;
        this.origin = origin;
        this.originField = Envelopes.originField(origin);
        this.linkLog = new LinkLog(settings.target(), log::log, System::currentTimeMillis);
        this.status = status;
        this.statusEveryNanos = statusEvery.toNanos();
        sent = Counter.builder("peregrine.detector.transport.sent")
                .description("Alerts sent to the sidekick (resends included)")
                .register(metrics);
        durable = acks(metrics, "durable");
        rejected = acks(metrics, "rejected");
        retryLater = acks(metrics, "retry_later");
        reconnects = Counter.builder("peregrine.detector.transport.reconnects").register(metrics);
        ackTimeouts = Counter.builder("peregrine.detector.transport.ack.timeouts")
                .description("Streams ended because the oldest alert in flight had no ack within the ack deadline")
                .register(metrics);
        rollovers = Counter.builder("peregrine.detector.transport.rollovers")
                .description(
                        "Streams ended in order because the sidekick asked for a new connection (its connection age)")
                .register(metrics);
        Gauge.builder("peregrine.detector.transport.connected", connected, c -> c.get() ? 1 : 0)
                .register(metrics);
        Gauge.builder("peregrine.detector.spool.alerts", spool, NodeSpool::count)
                .description("Alerts waiting for an ack")
                .register(metrics);
        Gauge.builder("peregrine.detector.spool.size", spool, NodeSpool::bytes)
                .baseUnit("bytes")
                .register(metrics);
        Gauge.builder("peregrine.detector.spool.oldest.age", spool, s -> s.oldestAgeMillis() / 1000.0)
                .baseUnit("seconds")
                .register(metrics);
        Gauge.builder("peregrine.detector.spool.dropped", spool, NodeSpool::dropped)
                .description("Alerts dropped, oldest first, because the spool's disk budget was full")
                .register(metrics);
        thread = Thread.ofPlatform().name("sidekick-link").daemon().unstarted(this::loop);
    }

    private static Counter acks(MeterRegistry m, String status) {
        return Counter.builder("peregrine.detector.transport.acks")
                .tag("status", status)
                .register(m);
    }

    public void start() {
        thread.start();
    }

    public boolean connected() {
        return connected.get();
    }

    /** Why the last stream ended, for logs and tests ("" when none did). */
    public String lastError() {
        return lastError;
    }

    private void loop() {
        long backoff = settings.initialBackoff().toMillis();
        // Where the next stream starts reading the spool: after a rollover, past what the finished
        // stream sent (all of it acked); after a failure, from the oldest alert still spooled.
        long resumeAfter = 0;
        while (running.get()) {
            boolean rolledOver = false;
            try {
                channel = channel();
                Ended ended = stream(channel, resumeAfter);
                if (ended.progressed()) {
                    backoff = settings.initialBackoff().toMillis();
                }
                rolledOver = ended.rolledOver();
                resumeAfter = ended.sentUpTo();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                lastError = e.getMessage();
                linkLog.down(e.getMessage(), spool.count());
            } finally {
                // A rollover goes straight to a new stream: the link stays up (an idle detector
                // would otherwise look disconnected until its next alert is acked).
                if (!rolledOver) {
                    connected.set(false);
                    resumeAfter = 0;
                }
                if (channel != null) {
                    channel.shutdownNow();
                }
            }
            if (!running.get()) {
                return;
            }
            if (rolledOver) {
                rollovers.increment();
                continue;
            }
            reconnects.increment();
            long sleep = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, settings.maxBackoff().toMillis());
        }
    }

    /**
     * How a stream ended.
     *
     * @param progressed any alert was acknowledged on it
     * @param rolledOver the sidekick asked for a new connection and the stream was finished in order
     * @param sentUpTo the spool seq of the last alert sent on it; after a rollover every alert up to
     *     it was acknowledged, though its removal from the spool may not be committed yet (a new
     *     stream reading from the start would send those again)
     */
    private record Ended(boolean progressed, boolean rolledOver, long sentUpTo) {}

    /**
     * One stream: sends the spooled alerts after {@code resumeAfter} on, until the stream fails, the
     * sidekick asks for a new connection, or we stop.
     */
    private Ended stream(ManagedChannel ch, long resumeAfter) throws InterruptedException {
        Semaphore window = new Semaphore(settings.window());
        Map<Long, Long> inFlight = new ConcurrentHashMap<>(); // envelope sequence -> spool seq
        // When the stream last made progress: an ack came, or alerts went out with none in flight.
        AtomicLong progress = new AtomicLong(System.nanoTime());
        long deadlineNanos = settings.ackDeadline().toNanos();
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<Status> endStatus = new AtomicReference<>();
        AtomicBoolean acked = new AtomicBoolean();
        // The link counts as up once an ack comes or the stream stays open: a stream a refused
        // token ends at once must not say "connected" before every retry.
        AtomicBoolean up = new AtomicBoolean();
        AtomicLong readySince = new AtomicLong();
        AtomicReference<ClientCallStreamObserver<byte[]>> request = new AtomicReference<>();
        // Set once the connection this stream is on got a GOAWAY: send nothing more on it.
        AtomicBoolean draining = new AtomicBoolean();
        // Set once this side half-closed a drained stream: the sidekick completing it is the rollover.
        AtomicBoolean halfClosed = new AtomicBoolean();
        watchForGoAway(ch, draining, ended);
        Channel calls = ch;
        if (settings.token() != null) {
            Metadata headers = new Metadata();
            headers.put(
                    Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + settings.token());
            ClientInterceptor auth = MetadataUtils.newAttachHeadersInterceptor(headers);
            calls = ClientInterceptors.intercept(ch, auth);
        }
        // AlertIntake.Send with the envelopes written from the spooled bytes (Envelopes).
        ClientCalls.asyncBidiStreamingCall(
                calls.newCall(Envelopes.SEND, CallOptions.DEFAULT), new ClientResponseObserver<byte[], Ack>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<byte[]> r) {
                        request.set(r);
                        r.setOnReadyHandler(() -> readySince.compareAndSet(0, System.nanoTime()));
                    }

                    @Override
                    public void onNext(Ack ack) {
                        connected.set(true);
                        if (!up.get() && !up.getAndSet(true)) {
                            linkLog.up(spool.count());
                        }
                        progress.set(System.nanoTime());
                        Long seq = inFlight.remove(ack.getSequence());
                        if (seq == null) {
                            return;
                        }
                        switch (ack.getStatus()) {
                            case DURABLE -> {
                                durable.increment();
                                spool.remove(seq);
                                acked.set(true);
                                window.release();
                            }
                            case REJECTED -> {
                                rejected.increment();
                                log.log(
                                        System.Logger.Level.ERROR,
                                        "sidekick refused alert " + ack.getUuid() + " for good: " + ack.getReason());
                                spool.remove(seq);
                                window.release();
                            }
                            default -> {
                                // Spool full or stopping over there: end this stream, back off, resend.
                                retryLater.increment();
                                request.get()
                                        .onError(Status.UNAVAILABLE
                                                .withDescription("sidekick asked to retry later: " + ack.getReason())
                                                .asRuntimeException());
                                endStatus.compareAndSet(
                                        null, Status.UNAVAILABLE.withDescription("retry later: " + ack.getReason()));
                                ended.countDown();
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        endStatus.compareAndSet(null, Status.fromThrowable(t));
                        ended.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        if (!halfClosed.get()) {
                            endStatus.compareAndSet(
                                    null, Status.UNAVAILABLE.withDescription("the sidekick closed the stream"));
                        }
                        ended.countDown();
                    }
                });
        long envelope = 0;
        long cursor = resumeAfter;
        long nextStatus = System.nanoTime();
        while (running.get() && ended.getCount() > 0) {
            long ready = readySince.get();
            // With alerts in flight only an ack says the link is up: a wedged sidekick keeps streams open.
            if (ready != 0
                    && !up.get()
                    && inFlight.isEmpty()
                    && System.nanoTime() - ready > STAYS_UP
                    && !up.getAndSet(true)) {
                linkLog.up(spool.count());
            }
            if (!inFlight.isEmpty() && System.nanoTime() - progress.get() > deadlineNanos) {
                // The same words every time, so the link's log says it once per episode.
                endStatus.compareAndSet(
                        null,
                        Status.DEADLINE_EXCEEDED.withDescription("no ack within "
                                + settings.ackDeadline().toSeconds()
                                + " s while alerts were in flight; stream ended, reconnecting"));
                ackTimeouts.increment();
                request.get().cancel("no ack within the ack deadline", null);
                ended.countDown();
                break;
            }
            if (draining.get()) {
                // Every alert sent on this stream was acked: finish it; the sidekick completes it.
                if (inFlight.isEmpty() && !halfClosed.getAndSet(true)) {
                    progress.set(System.nanoTime());
                    request.get().onCompleted();
                }
                if (halfClosed.get() && System.nanoTime() - progress.get() > deadlineNanos) {
                    // Drained but never completed over there: give up on it as on a wedged stream.
                    endStatus.compareAndSet(
                            null,
                            Status.DEADLINE_EXCEEDED.withDescription("the sidekick did not end a drained stream within "
                                    + settings.ackDeadline().toSeconds()
                                    + " s; reconnecting"));
                    request.get().cancel("not ended after draining", null);
                    ended.countDown();
                    break;
                }
                ended.await(200, TimeUnit.MILLISECONDS);
                continue;
            }
            if (status != null && System.nanoTime() - nextStatus >= 0) {
                nextStatus = System.nanoTime() + statusEveryNanos;
                sendStatus(request.get());
            }
            int free = window.availablePermits();
            if (free == 0) {
                if (window.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    window.release();
                }
                continue;
            }
            List<NodeSpool.Entry> entries = spool.next(cursor, Math.min(free, 512), 200);
            // One acquire per batch, not per alert: only this thread takes permits, so the ones
            // counted free above are still there.
            if (entries.isEmpty() || !window.tryAcquire(entries.size(), 30, TimeUnit.SECONDS)) {
                continue;
            }
            for (NodeSpool.Entry e : entries) {
                if (ended.getCount() == 0 || draining.get()) {
                    window.release(); // the rest of this batch was not sent
                    continue;
                }
                long env = ++envelope;
                if (inFlight.isEmpty()) {
                    progress.set(System.nanoTime());
                }
                inFlight.put(env, e.seq());
                request.get().onNext(Envelopes.alert(env, e.bytes(), originField));
                sent.increment();
                cursor = e.seq();
            }
        }
        if (!running.get() && !halfClosed.get()) {
            request.get().onCompleted();
        }
        Status s = endStatus.get();
        if (s != null && running.get()) {
            lastError = describe(s);
            linkLog.down(lastError, spool.count());
        }
        return new Ended(acked.get(), s == null && halfClosed.get(), cursor);
    }

    /**
     * Sets {@code draining} when the channel leaves READY while the stream is still open: that is
     * what a GOAWAY does (the connection takes no new streams, the open ones go on). A connection
     * that broke ends the stream as well, which then counts as a failure as before.
     */
    private static void watchForGoAway(ManagedChannel ch, AtomicBoolean draining, CountDownLatch ended) {
        Runnable[] watch = new Runnable[1];
        AtomicBoolean wasReady = new AtomicBoolean();
        watch[0] = () -> {
            ConnectivityState now = ch.getState(false);
            if (now == ConnectivityState.READY) {
                wasReady.set(true);
            } else if (wasReady.get() && ended.getCount() > 0) {
                draining.set(true);
                return;
            }
            if (now != ConnectivityState.SHUTDOWN && ended.getCount() > 0) {
                ch.notifyWhenStateChanged(now, watch[0]);
            }
        };
        watch[0].run();
    }

    /** A status report: sequence 0, no Ack expected. */
    private void sendStatus(ClientCallStreamObserver<byte[]> request) {
        try {
            DetectorStatus s = status.get().toBuilder().setOrigin(origin).build();
            request.onNext(AlertEnvelope.newBuilder().setStatus(s).build().toByteArray());
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.DEBUG, "status report not sent: " + e);
        }
    }

    private static String describe(Status s) {
        String d = s.getDescription() == null ? "" : ": " + s.getDescription();
        Throwable c = s.getCause();
        return s.getCode()
                + d
                + (c != null && c.getMessage() != null && !d.contains(c.getMessage())
                        ? " (" + c.getMessage() + ")"
                        : "");
    }

    /** One of the comma-separated targets, at random: each new channel may go to another replica. */
    private String pickTarget() {
        List<String> targets = settings.targets();
        return targets.get(ThreadLocalRandom.current().nextInt(targets.size()));
    }

    private ManagedChannel channel() {
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(pickTarget());
        if (settings.tls()) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                if (settings.caFile() != null) {
                    ssl.trustManager(settings.caFile().toFile());
                }
                if (settings.certFile() != null) {
                    ssl.keyManager(
                            settings.certFile().toFile(), settings.keyFile().toFile());
                }
                b.sslContext(ssl.build());
            } catch (Exception e) {
                throw new IllegalStateException("TLS settings for the sidekick link: " + e.getMessage(), e);
            }
        } else {
            b.usePlaintext();
        }
        // Acks are handled where they are read (a map removal and a queued delete): handing each to
        // an executor thread cost a wake-up per alert.
        return b.keepAliveTime(30, TimeUnit.SECONDS)
                .directExecutor()
                // A DNS name with several addresses (a headless Service): each new channel takes
                // them in a random order, so links spread over the replicas rather than all going
                // to the first address.
                .defaultServiceConfig(Map.of(
                        "loadBalancingConfig", List.of(Map.of("pick_first", Map.of("shuffleAddressList", true)))))
                .build();
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ManagedChannel ch = channel;
        if (ch != null) {
            ch.shutdownNow();
        }
    }
}
