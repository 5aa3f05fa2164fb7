package dev.peregrine.bench.fleet;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.detector.transport.LinkSettings;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayDeque;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;

/**
 * One simulated detector's link to the sidekick: on the wire what {@code SidekickLink} does (one
 * channel and one bidirectional {@code AlertIntake.Send} stream per connection attempt, the same
 * channel settings: plaintext, keep-alive ping every 30 s, direct executor; at most {@code
 * window} alerts unacknowledged; a stream with alerts in flight and no ack at all for longer than
 * the ack deadline is cancelled ({@link #checkAckDeadline}, called once a second); after a failed stream, a new channel after {@code backoff/2 +
 * random(backoff/2)}, the backoff doubling from the detector's initial to its maximum and reset by
 * a stream that got an ack; unacknowledged alerts resent in order on the next stream). What it
 * leaves out is the node spool on disk and the thread per link: 5,000 SQLite spools and 10,000
 * threads in one load JVM would measure the load generator, not the sidekick. Alerts wait in
 * memory instead, bounded by {@link #MAX_PENDING}.
 *
 * <p>Latency is counted from when an alert was due (produced), not when it was sent, so time
 * spent waiting for the window or a connection is not hidden.
 *
 * <p>A GOAWAY (the sidekick's connection age) is a rollover as in {@code SidekickLink}: no more
 * alerts on that stream, half-close once what is in flight was acked, and a new stream to a random
 * replica at once, not counted as lost or failed.
 */
final class SimulatedLink {
    /** Alerts a link holds while it cannot send (a node spool's job in the detector). */
    static final int MAX_PENDING = 20_000;

    private record Pending(Alert alert, long dueNanos) {}

    /** The sidekicks behind one address, as a Kubernetes Service spreads connections over replicas. */
    private final List<String> targets;

    private final LinkSettings settings;
    private final ScheduledExecutorService timer;
    private final Recorder latencyMicros;
    private final FleetCounters counters;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final TreeMap<Long, Pending> inFlight = new TreeMap<>(); // envelope sequence -> alert
    /** When the stream last made progress: an ack came, or alerts went out with none in flight. */
    private long progressNanos; // guarded by this

    private ManagedChannel channel; // guarded by this
    private ClientCallStreamObserver<AlertEnvelope> stream; // guarded by this; null when none
    private long envelope; // guarded by this
    private long backoffMillis; // guarded by this
    private boolean ackedOnStream; // guarded by this
    /** The current stream's connection got a GOAWAY: nothing more is sent on it. */
    private boolean draining; // guarded by this

    private boolean halfClosed; // guarded by this
    private volatile boolean connected;
    private volatile boolean closed;
    /** Where the current (or last) stream goes. */
    private volatile String target;
    /** Connected streams this link lost. */
    private volatile int streamsLost;

    /**
     * @param targets the replicas; the first stream goes to {@code targets[first]}, each later one
     *     to a random replica (a Service picks an endpoint per new connection)
     */
    SimulatedLink(
            List<String> targets,
            int first,
            LinkSettings settings,
            ScheduledExecutorService timer,
            Recorder latencyMicros,
            FleetCounters counters) {
        this.targets = List.copyOf(targets);
        this.target = targets.get(first % targets.size());
        this.settings = settings;
        this.timer = timer;
        this.latencyMicros = latencyMicros;
        this.counters = counters;
        this.backoffMillis = settings.initialBackoff().toMillis();
    }

    /** Connected: the current stream got an ack (alerts flow), as {@code SidekickLink.connected()}. */
    boolean connected() {
        return connected;
    }

    /** The replica the current (or last) stream went to. */
    String target() {
        return target;
    }

    /** How many connected streams this link has lost so far. */
    int streamsLost() {
        return streamsLost;
    }

    synchronized int waiting() {
        return pending.size() + inFlight.size();
    }

    /** A new alert, due now. */
    synchronized void offer(Alert alert) {
        if (pending.size() >= MAX_PENDING) {
            counters.dropped.increment();
            return;
        }
        pending.add(new Pending(alert, System.nanoTime()));
        sendWhatFits();
    }

    /** Opens a channel and a stream; on failure the stream's onError schedules the next attempt. */
    synchronized void connect() {
        if (closed) {
            return;
        }
        if (channel != null) { // not the first attempt
            target = targets.get(ThreadLocalRandom.current().nextInt(targets.size()));
        }
        counters.attempts.increment();
        // As SidekickLink.channel() builds it, plaintext.
        channel = NettyChannelBuilder.forTarget(target)
                .usePlaintext()
                .keepAliveTime(30, TimeUnit.SECONDS)
                .directExecutor()
                .build();
        ackedOnStream = false;
        draining = false;
        halfClosed = false;
        ManagedChannel ch = channel;
        AlertIntakeGrpc.newStub(channel).send(new ClientResponseObserver<AlertEnvelope, Ack>() {
            private ClientCallStreamObserver<AlertEnvelope> mine;

            @Override
            public void beforeStart(ClientCallStreamObserver<AlertEnvelope> r) {
                // Runs inside send(), on this thread, which holds the link's lock.
                mine = r;
                stream = r;
            }

            @Override
            public void onNext(Ack ack) {
                acked(mine, ack);
            }

            @Override
            public void onError(Throwable t) {
                ended(mine, Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                if (!rolledOver(mine)) {
                    ended(mine, Status.UNAVAILABLE.withDescription("the sidekick closed the stream"));
                }
            }
        });
        watchForGoAway(ch, stream);
        // beforeStart has set stream: messages queue in the call until the connection is up.
        resendInFlight();
        sendWhatFits();
    }

    private synchronized void acked(ClientCallStreamObserver<AlertEnvelope> call, Ack ack) {
        if (call != stream) {
            return; // a stream already given up
        }
        Pending p = inFlight.remove(ack.getSequence());
        if (p == null) {
            return;
        }
        progressNanos = System.nanoTime();
        switch (ack.getStatus()) {
            case DURABLE -> {
                latencyMicros.recordValue(Math.max(0, (System.nanoTime() - p.dueNanos()) / 1000));
                counters.acked.increment();
                if (counters.ackedUuids != null) {
                    counters.ackedUuids.add(p.alert().getUuid());
                }
                if (!connected) {
                    counters.connects.increment();
                }
                connected = true;
                ackedOnStream = true;
                sendWhatFits();
                halfCloseIfDrained();
            }
            case REJECTED -> counters.rejected.increment();
            default -> {
                counters.retryLater.increment();
                inFlight.put(ack.getSequence(), p);
                call.onError(Status.UNAVAILABLE.withDescription("retry later").asRuntimeException());
                ended(call, Status.UNAVAILABLE.withDescription("retry later: " + ack.getReason()));
            }
        }
    }

    /** As SidekickLink: the channel left READY while the stream is open, i.e. a GOAWAY. */
    private void watchForGoAway(ManagedChannel ch, ClientCallStreamObserver<AlertEnvelope> call) {
        boolean[] wasReady = new boolean[1];
        Runnable[] watch = new Runnable[1];
        watch[0] = () -> {
            ConnectivityState now = ch.getState(false);
            if (now == ConnectivityState.READY) {
                wasReady[0] = true;
            } else if (wasReady[0]) {
                goAway(call);
                return;
            }
            if (now != ConnectivityState.SHUTDOWN) {
                ch.notifyWhenStateChanged(now, watch[0]);
            }
        };
        watch[0].run();
    }

    private synchronized void goAway(ClientCallStreamObserver<AlertEnvelope> call) {
        if (call != stream || stream == null) {
            return;
        }
        draining = true;
        halfCloseIfDrained();
    }

    private void halfCloseIfDrained() {
        if (draining && !halfClosed && inFlight.isEmpty()) {
            halfClosed = true;
            stream.onCompleted();
        }
    }

    /** The sidekick completed a stream this side half-closed after a GOAWAY: straight to a new one. */
    private synchronized boolean rolledOver(ClientCallStreamObserver<AlertEnvelope> call) {
        if (call != stream || !halfClosed) {
            return false;
        }
        stream = null;
        channel.shutdownNow();
        counters.rollovers.increment();
        if (!closed) {
            timer.execute(this::connect);
        }
        return true;
    }

    private synchronized void ended(ClientCallStreamObserver<AlertEnvelope> call, Status status) {
        if (call != stream || stream == null) {
            return;
        }
        stream = null;
        if (connected) {
            counters.lost.increment();
            streamsLost++;
        }
        connected = false;
        channel.shutdownNow();
        if (closed) {
            return;
        }
        counters.failures.increment();
        if (ackedOnStream) {
            backoffMillis = settings.initialBackoff().toMillis();
        }
        long sleep = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        backoffMillis = Math.min(backoffMillis * 2, settings.maxBackoff().toMillis());
        timer.schedule(this::connect, sleep, TimeUnit.MILLISECONDS);
    }

    /** As SidekickLink: a stream with alerts in flight and no ack within the deadline is ended. */
    synchronized void checkAckDeadline() {
        ClientCallStreamObserver<AlertEnvelope> s = stream;
        if (s == null || inFlight.isEmpty()) {
            return;
        }
        if (System.nanoTime() - progressNanos > settings.ackDeadline().toNanos()) {
            counters.ackTimeouts.increment();
            ended(s, Status.DEADLINE_EXCEEDED.withDescription("no ack within the ack deadline"));
            s.cancel("no ack within the ack deadline", null);
        }
    }

    /** Unacknowledged alerts go out first on a new stream, oldest first, as from the node spool. */
    private void resendInFlight() {
        progressNanos = System.nanoTime();
        if (inFlight.isEmpty()) {
            return;
        }
        ArrayDeque<Pending> again = new ArrayDeque<>(inFlight.values());
        inFlight.clear();
        while (!pending.isEmpty()) {
            again.add(pending.poll());
        }
        pending.addAll(again);
    }

    private void sendWhatFits() {
        while (stream != null && !draining && inFlight.size() < settings.window() && !pending.isEmpty()) {
            Pending p = pending.poll();
            long env = ++envelope;
            if (inFlight.isEmpty()) {
                progressNanos = System.nanoTime();
            }
            inFlight.put(env, p);
            stream.onNext(AlertEnvelope.newBuilder()
                    .setSequence(env)
                    .setAlert(p.alert())
                    .build());
            counters.sent.increment();
        }
    }

    synchronized void close() {
        closed = true;
        if (stream != null && !halfClosed) {
            stream.onCompleted();
            stream = null;
        }
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
