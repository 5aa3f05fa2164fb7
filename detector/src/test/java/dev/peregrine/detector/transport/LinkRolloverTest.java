package dev.peregrine.detector.transport;

import static dev.peregrine.detector.transport.SidekickLinkTest.alert;
import static dev.peregrine.detector.transport.SidekickLinkTest.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.contract.v1.Origin;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Links across the sidekick's connection age (real gRPC servers on loopback with {@code
 * maxConnectionAge}, so real GOAWAYs): a rollover loses and repeats nothing and is not a failure,
 * and links spread onto a replica that starts later.
 */
class LinkRolloverTest {
    /** One replica's AlertIntake: acks every alert DURABLE at once, counts its open streams. */
    static final class Replica extends AlertIntakeGrpc.AlertIntakeImplBase {
        final Queue<String> uuids = new ConcurrentLinkedQueue<>();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger streams = new AtomicInteger();
        final AtomicInteger cancelledBySender = new AtomicInteger();
        /** Takes alerts and acks none, as a sidekick whose writer is stuck. */
        volatile boolean holdAcks;

        @Override
        public StreamObserver<AlertEnvelope> send(StreamObserver<Ack> acks) {
            streams.incrementAndGet();
            open.incrementAndGet();
            AtomicBoolean closed = new AtomicBoolean();
            return new StreamObserver<>() {
                public void onNext(AlertEnvelope e) {
                    if (e.hasStatus()) {
                        return;
                    }
                    uuids.add(e.getAlert().getUuid());
                    if (holdAcks) {
                        return;
                    }
                    synchronized (acks) {
                        acks.onNext(Ack.newBuilder()
                                .setSequence(e.getSequence())
                                .setUuid(e.getAlert().getUuid())
                                .setStatus(Ack.Status.DURABLE)
                                .build());
                    }
                }

                public void onError(Throwable t) {
                    cancelledBySender.incrementAndGet();
                    if (!closed.getAndSet(true)) {
                        open.decrementAndGet();
                    }
                }

                public void onCompleted() {
                    if (!closed.getAndSet(true)) {
                        open.decrementAndGet();
                    }
                    synchronized (acks) {
                        acks.onCompleted();
                    }
                }
            };
        }
    }

    @TempDir
    Path dir;

    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    /** A replica whose connections last {@code age} (gRPC adds +/-10 %), with a 30 s grace. */
    Server replica(int port, Replica intake, Duration age) throws Exception {
        return replica(port, intake, age, Duration.ofSeconds(30));
    }

    Server replica(int port, Replica intake, Duration age, Duration grace) throws Exception {
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(intake)
                .maxConnectionAge(age.toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(grace.toMillis(), TimeUnit.MILLISECONDS)
                .build()
                .start();
        toClose.add(s::shutdownNow);
        return s;
    }

    NodeSpool spool(String name) throws Exception {
        NodeSpool s = new NodeSpool(dir.resolve(name), 64 << 20, false);
        toClose.add(s::close);
        return s;
    }

    SidekickLink link(NodeSpool spool, String target, SimpleMeterRegistry metrics) {
        SidekickLink l = new SidekickLink(
                spool,
                LinkSettingsFixtures.forTest(target),
                Origin.newBuilder().setHostname("node-a").build(),
                metrics);
        toClose.add(l);
        l.start();
        return l;
    }

    /** Polls every 10 ms, for at most 30 s. */
    static void await(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    static double count(SimpleMeterRegistry m, String name) {
        return m.get(name).counter().count();
    }

    @Test
    void aRolloverFinishesWhatIsInFlightAndLosesOrRepeatsNothing() throws Exception {
        int port = freePort();
        Replica intake = new Replica();
        replica(port, intake, Duration.ofSeconds(1));
        NodeSpool spool = spool("node");
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        link(spool, "127.0.0.1:" + port, metrics);

        // Alerts keep coming (about 4,000/s at most) until the link rolled over 3 times.
        Set<String> appended = new HashSet<>();
        Instant deadline = Instant.now().plusSeconds(30);
        while (count(metrics, "peregrine.detector.transport.rollovers") < 3
                && Instant.now().isBefore(deadline)
                && appended.size() < 200_000) {
            for (int i = 0; i < 20; i++) {
                var a = alert(appended.size());
                spool.append(a);
                appended.add(a.getUuid());
            }
            LockSupport.parkNanos(5_000_000); // pacing the producer, not waiting for anything
        }
        await(() -> spool.count() == 0, "every alert acked");

        assertThat(count(metrics, "peregrine.detector.transport.rollovers")).isGreaterThanOrEqualTo(3);
        assertThat(intake.streams.get()).isGreaterThanOrEqualTo(4);
        // Every alert arrived exactly once: each stream was finished after its last ack, not cut.
        assertThat(intake.uuids).hasSize(appended.size());
        assertThat(new HashSet<>(intake.uuids)).isEqualTo(appended);
        // A rollover is not a failure: no reconnect counted, no stream cancelled, nothing logged as down.
        assertThat(count(metrics, "peregrine.detector.transport.reconnects")).isZero();
        assertThat(intake.cancelledBySender.get()).isZero();
    }

    @Test
    void alertsInFlightWhenTheGraceRunsOutAreResent() throws Exception {
        int port = freePort();
        Replica intake = new Replica();
        intake.holdAcks = true;
        replica(port, intake, Duration.ofSeconds(1), Duration.ofSeconds(1));
        NodeSpool spool = spool("node");
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        link(spool, "127.0.0.1:" + port, metrics);
        Set<String> appended = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            var a = alert(i);
            spool.append(a);
            appended.add(a.getUuid());
        }
        // No acks: the stream past its age cannot be drained, the grace cuts it, and the link
        // sends the same alerts again on a new stream.
        await(() -> intake.streams.get() >= 2 && intake.uuids.size() > appended.size(), "alerts sent again");
        intake.holdAcks = false;
        await(() -> spool.count() == 0, "every alert acked");
        assertThat(new HashSet<>(intake.uuids)).containsAll(appended);
        // Cut, not finished in order: that one counts as a failure.
        assertThat(count(metrics, "peregrine.detector.transport.reconnects")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void linksSpreadOntoAReplicaThatStartsLater() throws Exception {
        int portA = freePort();
        int portB = freePort();
        Replica a = new Replica();
        Replica b = new Replica();
        replica(portA, a, Duration.ofSeconds(1));
        String target = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
        int links = 12;
        List<NodeSpool> spools = new ArrayList<>();
        for (int i = 0; i < links; i++) {
            NodeSpool s = spool("node-" + i);
            s.append(alert(i));
            spools.add(s);
            link(s, target, new SimpleMeterRegistry());
        }
        // B is down: links that pick it fail and try again until every one is on A.
        await(() -> a.open.get() == links, "all links on A");
        assertThat(b.streams.get()).isZero();

        replica(portB, b, Duration.ofSeconds(1));
        // Each link reconnects after about a second and picks a replica at random.
        await(() -> b.open.get() >= links / 3, "a third of the links on B");

        // Alerts still flow, wherever each link is now.
        Set<String> later = new HashSet<>();
        for (NodeSpool s : spools) {
            var alert = alert(1000);
            s.append(alert);
            later.add(alert.getUuid());
        }
        await(
                () -> {
                    Set<String> arrived = new HashSet<>(a.uuids);
                    arrived.addAll(b.uuids);
                    return arrived.containsAll(later);
                },
                "the later alerts on either replica");
    }
}
