package dev.peregrine.detector.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.contract.v1.DetectorStatus;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.contract.v1.Priority;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node spool and its gRPC link against a real gRPC server on loopback that records and acks. */
class SidekickLinkTest {
    /** Plays the sidekick's AlertIntake: records alerts, acks as told. */
    static final class Intake extends AlertIntakeGrpc.AlertIntakeImplBase {
        final List<Alert> received = new CopyOnWriteArrayList<>();
        final List<String> tokens = new CopyOnWriteArrayList<>();
        final List<DetectorStatus> statuses = new CopyOnWriteArrayList<>();
        volatile Ack.Status answer = Ack.Status.DURABLE;
        /** A wedged sidekick: takes alerts, acks none, keeps the stream open. */
        volatile boolean silent;

        final AtomicInteger streams = new AtomicInteger();
        final AtomicInteger endedBySender = new AtomicInteger();

        @Override
        public StreamObserver<AlertEnvelope> send(StreamObserver<Ack> acks) {
            streams.incrementAndGet();
            return new StreamObserver<>() {
                public void onNext(AlertEnvelope e) {
                    if (e.hasStatus()) {
                        statuses.add(e.getStatus()); // a report: no Ack
                        return;
                    }
                    if (silent) {
                        return;
                    }
                    Ack.Status status = answer;
                    if (status == Ack.Status.DURABLE) {
                        received.add(e.getAlert());
                    }
                    synchronized (acks) {
                        acks.onNext(Ack.newBuilder()
                                .setSequence(e.getSequence())
                                .setUuid(e.getAlert().getUuid())
                                .setStatus(status)
                                .setReason(status == Ack.Status.DURABLE ? "" : "spool full")
                                .build());
                    }
                }

                public void onError(Throwable t) {
                    endedBySender.incrementAndGet();
                }

                public void onCompleted() {
                    synchronized (acks) {
                        acks.onCompleted();
                    }
                }
            };
        }
    }

    @TempDir
    Path dir;

    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final Intake intake = new Intake();
    Server server;
    NodeSpool spool;
    SidekickLink link;

    @AfterEach
    void stop() {
        if (link != null) {
            link.close();
        }
        if (server != null) {
            server.shutdownNow();
        }
        if (spool != null) {
            spool.close();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Server startServer(int port) throws Exception {
        ServerInterceptor recordToken = new ServerInterceptor() {
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
                String auth = h.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
                if (auth != null) {
                    intake.tokens.add(auth);
                }
                return next.startCall(call, h);
            }
        };
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(intake, recordToken))
                .build()
                .start();
    }

    static Alert alert(int i) {
        return Alert.newBuilder()
                .setUuid(UUID.randomUUID().toString())
                .setRule("rule " + i)
                .setPriority(Priority.WARNING)
                .setOutput("output " + i)
                .build();
    }

    static void await(BooleanSupplier condition, String what) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    SidekickLink link(int port, String token) {
        return link(port, token, LinkSettings.DEFAULT_ACK_DEADLINE);
    }

    SidekickLink link(int port, String token, Duration ackDeadline) {
        SidekickLink l = new SidekickLink(
                spool,
                LinkSettingsFixtures.forTest("127.0.0.1:" + port, token).withAckDeadline(ackDeadline),
                Origin.newBuilder().setHostname("node-a").setClusterName("prod").build(),
                metrics);
        l.start();
        return l;
    }

    @Test
    void alertsLeaveTheSpoolOnlyOnceAcknowledgedAndCarryTheNodeIdentity() throws Exception {
        int port = freePort();
        server = startServer(port);
        spool = new NodeSpool(dir, 1 << 20, true);
        link = link(port, "s3cret");
        for (int i = 0; i < 500; i++) {
            spool.append(alert(i));
        }
        await(() -> intake.received.size() == 500 && spool.count() == 0, "all acked");
        assertThat(intake.received)
                .extracting(Alert::getRule)
                .startsWith("rule 0", "rule 1", "rule 2")
                .endsWith("rule 499");
        assertThat(intake.received).allSatisfy(a -> {
            assertThat(a.getOrigin().getHostname()).isEqualTo("node-a");
            assertThat(a.getOrigin().getClusterName()).isEqualTo("prod");
        });
        assertThat(intake.tokens).isNotEmpty().allMatch("Bearer s3cret"::equals);
    }

    /**
     * A wedged sidekick (issue 19: out of heap, it kept its connections and answered pings but sent
     * no ack) must not hold the link forever: past the ack deadline the link ends the stream,
     * reconnects and resends; once the sidekick acks again, every alert arrives as the node spool
     * held it and leaves the spool.
     */
    @Test
    void aStreamWithoutAcksPastTheDeadlineIsEndedAndEverythingArrivesOnceAcked() throws Exception {
        int port = freePort();
        server = startServer(port);
        intake.silent = true;
        spool = new NodeSpool(dir, 1 << 20, true);
        List<Alert> spooled =
                IntStream.range(0, 50).mapToObj(SidekickLinkTest::alert).toList();
        spooled.forEach(spool::append);
        link = link(port, null, Duration.ofSeconds(1));

        await(() -> intake.streams.get() >= 3, "two streams ended for want of acks and a third opened");
        assertThat(metrics.get("peregrine.detector.transport.ack.timeouts")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(2);
        await(() -> intake.endedBySender.get() >= 2, "the sidekick saw the streams cancelled");
        assertThat(link.lastError())
                .isEqualTo("DEADLINE_EXCEEDED: no ack within 1 s while alerts were in flight; stream ended,"
                        + " reconnecting");
        assertThat(spool.count())
                .as("nothing left the node spool without an ack")
                .isEqualTo(50);
        assertThat(intake.received).isEmpty();

        intake.silent = false;
        await(() -> spool.count() == 0, "every alert acked");
        Map<String, Alert> arrived = new HashMap<>();
        intake.received.forEach(a -> arrived.put(a.getUuid(), a));
        assertThat(arrived).hasSize(50);
        for (Alert a : spooled) {
            assertThat(arrived.get(a.getUuid()).toBuilder().clearOrigin().build())
                    .as("alert %s as the node spool held it", a.getUuid())
                    .isEqualTo(a);
        }
        assertThat(metrics.get("peregrine.detector.transport.acks")
                        .tag("status", "durable")
                        .counter()
                        .count())
                .isEqualTo(50);
    }

    @Test
    void statusReportsGoOnTheStreamWithTheNodeIdentityAndGetNoAck() throws Exception {
        int port = freePort();
        server = startServer(port);
        spool = new NodeSpool(dir, 1 << 20, true);
        java.util.concurrent.atomic.AtomicLong events = new java.util.concurrent.atomic.AtomicLong();
        link = new SidekickLink(
                spool,
                LinkSettingsFixtures.forTest("127.0.0.1:" + port),
                Origin.newBuilder()
                        .setHostname("node-a")
                        .setNodeName("worker-1")
                        .build(),
                metrics,
                () -> DetectorStatus.newBuilder()
                        .setRulesLoaded(7)
                        .setEventsTotal(events.addAndGet(100))
                        .setSpoolAlerts(spool.count())
                        .build(),
                Duration.ofMillis(100));
        link.start();
        await(() -> intake.statuses.size() >= 3, "three status reports");
        assertThat(intake.statuses).allSatisfy(st -> {
            assertThat(st.getOrigin().getHostname()).isEqualTo("node-a");
            assertThat(st.getOrigin().getNodeName()).isEqualTo("worker-1");
            assertThat(st.getRulesLoaded()).isEqualTo(7);
        });
        assertThat(intake.statuses).extracting(DetectorStatus::getEventsTotal).isSortedAccordingTo(Long::compare);
        // alerts still flow on the same stream, acked as before
        for (int i = 0; i < 20; i++) {
            spool.append(alert(i));
        }
        await(() -> intake.received.size() == 20 && spool.count() == 0, "alerts acked beside the reports");
        assertThat(intake.received).extracting(Alert::getRule).doesNotContain("");
    }

    @Test
    void anUnreachableSidekickLetsAlertsAccumulateThenDrainInOrder() throws Exception {
        int port = freePort();
        spool = new NodeSpool(dir, 1 << 20, true);
        link = link(port, null);
        for (int i = 0; i < 200; i++) {
            spool.append(alert(i));
        }
        assertThat(spool.awaitWritten(10_000)).isTrue();
        assertThat(spool.count()).isEqualTo(200);
        await(() -> !link.lastError().isEmpty(), "a failed connection attempt");
        assertThat(link.lastError()).contains("UNAVAILABLE");

        server = startServer(port);
        await(() -> spool.count() == 0, "the backlog to drain");
        assertThat(intake.received)
                .extracting(Alert::getRule)
                .containsExactlyElementsOf(
                        IntStream.range(0, 200).mapToObj(i -> "rule " + i).toList());
    }

    @Test
    void retryLaterKeepsTheAlertsAndTheyAreResent() throws Exception {
        int port = freePort();
        server = startServer(port);
        intake.answer = Ack.Status.RETRY_LATER;
        spool = new NodeSpool(dir, 1 << 20, true);
        link = link(port, null);
        for (int i = 0; i < 20; i++) {
            spool.append(alert(i));
        }
        await(
                () -> metrics.counter("peregrine.detector.transport.acks", "status", "retry_later")
                                .count()
                        > 0,
                "a refusal");
        assertThat(spool.count()).isEqualTo(20);
        intake.answer = Ack.Status.DURABLE;
        await(() -> spool.count() == 0, "the resend");
        assertThat(intake.received.stream().map(Alert::getRule).distinct()).hasSize(20);
    }

    @Test
    void spooledAlertsSurviveARestartOfTheDetector() throws Exception {
        spool = new NodeSpool(dir, 1 << 20, true);
        for (int i = 0; i < 30; i++) {
            spool.append(alert(i));
        }
        assertThat(spool.awaitWritten(10_000)).isTrue();
        spool.close();
        spool = new NodeSpool(dir, 1 << 20, true);
        assertThat(spool.count()).isEqualTo(30);
        int port = freePort();
        server = startServer(port);
        link = link(port, null);
        await(() -> spool.count() == 0, "the spooled alerts to be sent");
        assertThat(intake.received).hasSize(30);
    }

    @Test
    void aFullSpoolDropsTheOldestAndCountsThem() throws Exception {
        long one = alert(0).toByteArray().length;
        spool = new NodeSpool(dir, one * 10, true);
        for (int i = 0; i < 15; i++) {
            spool.append(alert(i));
        }
        assertThat(spool.awaitWritten(10_000)).isTrue();
        assertThat(spool.dropped()).isGreaterThanOrEqualTo(5);
        assertThat(spool.next(0, 100, 0)).extracting(e -> e.alert().getRule()).endsWith("rule 14");
    }
}
