package dev.peregrine.sidekick.intake;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import dev.peregrine.sidekick.fleet.DetectorFleet;
import dev.peregrine.sidekick.spool.SpoolFullException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract's AlertIntake service: one Ack per alert, sent once the alert is durable (or
 * refused). Acks go out as spool commits complete, so many alerts are in flight on one stream and
 * throughput is not bound by round trips.
 *
 * <p>A stream is read only {@code window} alerts ahead of the acks that went out: gRPC's automatic
 * flow control would read every alert as it arrives and queue it for the log's writer, so after
 * a restart thousands of detectors resending their backlogs filled the heap. With the window,
 * what a sender has beyond it waits in HTTP/2 flow control, that is in the sender (a detector's
 * node spool). A new stream starts with {@link #INITIAL_WINDOW} and its window doubles with each
 * round of acks up to its share, so thousands of detectors reconnecting at once do not get a
 * full window each before anything was written. A stream's share is the bound on waiting alerts
 * divided by the streams open, at most {@code window} and at least {@link #INITIAL_WINDOW}: one
 * detector alone may have a full window in flight (a window's worth per group commit is what one
 * stream's throughput is), thousands share the bound, and a stream shrinks to its share as others
 * connect (it gives back fewer places than acks went out). Across all streams {@link WaitingAlerts} bounds what
 * waits: at the bound, streams stop being read (no more window given back) until the log caught
 * up, rather than being answered RETRY_LATER, which would make every detector end its stream and
 * resend its whole window.
 */
public final class GrpcIntake extends AlertIntakeGrpc.AlertIntakeImplBase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrpcIntake.class);

    /** Alerts read from a stream ahead of its acks, unless set: peregrine.intake.stream-window. */
    public static final int DEFAULT_WINDOW = 1024;

    /** A new stream's window, before its acks let it grow. */
    static final int INITIAL_WINDOW = 8;

    private final Intake intake;
    private final Rejections rejections;
    private final int window;
    private final Clock clock;
    /** Null: status reports are ignored. */
    private final DetectorFleet fleet;
    /** One thread for every stream's acks; each stream's acks stay in commit order. */
    private final ExecutorService ackSender = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("grpc-acks").daemon().factory());
    /** Streams that stopped reading at the bound on waiting alerts: each resumes once there is room. */
    private final Queue<Runnable> paused = new ConcurrentLinkedQueue<>();
    /** Streams open (not yet ended by their sender): the bound on waiting alerts is shared among them. */
    private final AtomicInteger open = new AtomicInteger();

    public GrpcIntake(Intake intake, Rejections rejections, Clock clock) {
        this(intake, rejections, clock, null);
    }

    /** @param fleet takes the detectors' status reports and notes their alerts */
    public GrpcIntake(Intake intake, Rejections rejections, Clock clock, DetectorFleet fleet) {
        this(intake, rejections, clock, fleet, DEFAULT_WINDOW);
    }

    /** @param window alerts read from a stream ahead of the acks sent on it */
    public GrpcIntake(Intake intake, Rejections rejections, Clock clock, DetectorFleet fleet, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the stream window must be at least 1, not " + window);
        }
        this.window = window;
        this.intake = intake;
        intake.waiting().onRoom(() -> {
            try {
                ackSender.execute(this::resumePaused);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        });
        this.rejections = rejections;
        this.clock = clock;
        this.fleet = fleet;
    }

    /** On the ack thread: lets the streams that stopped at the bound read again, as long as there is room. */
    private void resumePaused() {
        for (int n = paused.size(); n > 0; n--) {
            Runnable stream = paused.poll();
            if (stream == null) {
                return;
            }
            stream.run(); // stops again, and queues itself again, if the room is gone
        }
    }

    /**
     * How many alerts one stream may be read ahead of its acks now: its share of the bound on
     * waiting alerts among the streams open, within [INITIAL_WINDOW, window].
     */
    int share() {
        long share = intake.waiting().maxAlerts() / Math.max(1, open.get());
        return (int) Math.max(Math.min(window, INITIAL_WINDOW), Math.min(window, share));
    }

    /** Streams open now. */
    int openStreams() {
        return open.get();
    }

    /** Stops the ack thread; streams still open get no more acks, so their senders resend. */
    @Override
    public void close() {
        ackSender.shutdown();
    }

    @Override
    public StreamObserver<AlertEnvelope> send(StreamObserver<Ack> responses) {
        // StreamObserver is not thread-safe; acks are sent from the ack thread only.
        Object lock = new Object();
        ServerCallStreamObserver<Ack> acks = (ServerCallStreamObserver<Ack>) responses;
        acks.disableAutoRequest();
        // var: the anonymous class's own method (writable) stays visible.
        var stream = new StreamObserver<AlertEnvelope>() {
            private int pending; // guarded by lock
            /** Acks sent whose alerts' places in the window are not yet given back; guarded by lock. */
            private int owed;
            /** This stream's window now: grows with its acks from INITIAL_WINDOW to its share; guarded by lock. */
            private int size = Math.min(window, INITIAL_WINDOW);
            /** Counted in {@code open} until the sender ends the stream; event loop only. */
            private boolean counted = true;
            /** Waits in {@code paused} for room; guarded by lock. */
            private boolean stopped;

            private boolean senderDone; // guarded by lock
            private boolean completed; // guarded by lock
            private final Queue<Ack> ready = new ConcurrentLinkedQueue<>();
            private final AtomicBoolean scheduled = new AtomicBoolean();
            /** The fleet's id of the detector on this stream, once known; event loop only. */
            private String detector;

            @Override
            public void onNext(AlertEnvelope envelope) {
                if (envelope.hasStatus()) {
                    if (fleet != null) {
                        detector = fleet.report(envelope.getStatus());
                    }
                    acks.request(1); // no Ack for a status report: its place is free at once
                    return;
                }
                if (fleet != null && envelope.getAlert().hasOrigin()) {
                    if (detector == null) {
                        detector = fleet.seen(envelope.getAlert().getOrigin());
                    } else {
                        fleet.seen(detector);
                    }
                }
                synchronized (lock) {
                    pending++;
                }
                long seq = envelope.getSequence();
                Alert alert;
                try {
                    alert = ProtoAlerts.toAlert(envelope.getAlert(), clock::instant);
                } catch (AlertRejectedException e) {
                    rejections.record("grpc", e.kind(), e.getMessage());
                    intake.countRejected("grpc");
                    reply(ack(seq, envelope.getAlert().getUuid(), Ack.Status.REJECTED, e.getMessage()));
                    return;
                }
                try {
                    intake.accept(alert, "grpc")
                            .whenComplete((result, error) -> reply(
                                    error == null
                                            ? ack(seq, alert.uuid(), Ack.Status.DURABLE, "")
                                            : ack(
                                                    seq,
                                                    alert.uuid(),
                                                    Ack.Status.RETRY_LATER,
                                                    "spool write failed; retry")));
                } catch (SpoolFullException e) {
                    rejections.count("grpc", "spool_full");
                    reply(ack(seq, alert.uuid(), Ack.Status.RETRY_LATER, e.getMessage()));
                } catch (IntakeFullException e) {
                    // Logged once per episode by WaitingAlerts.
                    rejections.count("grpc", "intake_full");
                    reply(ack(seq, alert.uuid(), Ack.Status.RETRY_LATER, e.getMessage()));
                }
            }

            /**
             * Called as commits complete (on the spool writer's thread) and for refusals (on the
             * event loop): acks are handed to the ack thread, a commit's all in one go, so
             * serialising and writing them never delays the next commit.
             */
            private void reply(Ack ack) {
                ready.add(ack);
                if (scheduled.compareAndSet(false, true)) {
                    try {
                        ackSender.execute(this::sendReady);
                    } catch (RejectedExecutionException e) {
                        // stopping: the sender resends what it got no ack for
                    }
                }
            }

            private void sendReady() {
                scheduled.set(false);
                synchronized (lock) {
                    Ack ack;
                    while ((ack = ready.poll()) != null) {
                        pending--;
                        owed++;
                        if (!acks.isCancelled()) {
                            acks.onNext(ack);
                        }
                    }
                    giveBackWindow();
                    completeIfDone();
                }
            }

            /**
             * Reads as many more alerts as acks went out, once the acks can be written: a sender
             * that does not read its acks gets no more room, so they do not pile up here either.
             * Holds lock; on the ack thread.
             */
            private void giveBackWindow() {
                if (owed == 0 || stopped || acks.isCancelled() || !acks.isReady()) {
                    return;
                }
                if (!intake.waiting().readable()) {
                    stopped = true;
                    paused.add(this::resume);
                    intake.waiting().paused();
                    return;
                }
                // Towards its share: grows by at most the acks that went out (doubling per round),
                // shrinks by at most as many (it then gives back fewer places than it acked).
                int change = Math.max(-owed, Math.min(owed, share() - size));
                size += change;
                int more = owed + change;
                owed = 0;
                if (more > 0) {
                    acks.request(more);
                }
            }

            /** There is room again (on the ack thread). */
            private void resume() {
                synchronized (lock) {
                    stopped = false;
                    giveBackWindow();
                }
            }

            /** The acks' way is clear again (on the event loop): give back what was held. */
            void writable() {
                try {
                    ackSender.execute(() -> {
                        synchronized (lock) {
                            giveBackWindow();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // stopping
                }
            }

            /** Close only after the last ack: the sender may half-close early. Holds lock. */
            private void completeIfDone() {
                if (senderDone && pending == 0 && !completed && !acks.isCancelled()) {
                    completed = true;
                    acks.onCompleted();
                }
            }

            @Override
            public void onError(Throwable t) {
                log.debug("alert stream ended by the sender: {}", t.toString());
                ended();
            }

            private void ended() {
                if (counted) {
                    counted = false;
                    open.decrementAndGet();
                }
                if (fleet != null && detector != null) {
                    fleet.disconnected(detector);
                }
            }

            @Override
            public void onCompleted() {
                ended();
                synchronized (lock) {
                    senderDone = true;
                    completeIfDone();
                }
            }
        };
        open.incrementAndGet();
        acks.setOnReadyHandler(stream::writable);
        acks.request(Math.min(window, INITIAL_WINDOW));
        return stream;
    }

    private static Ack ack(long seq, String uuid, Ack.Status status, String reason) {
        return Ack.newBuilder()
                .setSequence(seq)
                .setUuid(uuid)
                .setStatus(status)
                .setReason(reason)
                .build();
    }
}
