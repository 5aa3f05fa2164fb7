package dev.peregrine.sidekick.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.contract.v1.DetectorStatus;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.sidekick.dashboard.DashboardPort;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.event.EventListener;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A detector as the sidekick sees it over a real gRPC stream: its status reports listed, its
 * stream's end noticed, its silence turned into an alert that goes through the normal pipeline
 * (stored and delivered), and its return into another.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DetectorFleetTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final Path spool = TempDirs.create("fleet");
    static final Origin ORIGIN = Origin.newBuilder()
            .setHostname("node-7")
            .setNodeName("worker-7")
            .setClusterName("prod")
            .setDetectorVersion("0.1.0")
            .build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("peregrine.ui.detectors.down-after", () -> "3s");
    }

    @TestConfiguration
    static class GrpcPort {
        final CompletableFuture<Integer> port = new CompletableFuture<>();

        @EventListener
        void started(GrpcServerStartedEvent e) {
            port.complete(e.getPort());
        }
    }

    @Autowired
    GrpcPort grpc;

    @Autowired
    DashboardPort dashboardPort;

    @AfterAll
    static void clean() {
        webhook.close();
        TempDirs.delete(spool);
    }

    static DetectorStatus status(Instant at, long events) {
        return DetectorStatus.newBuilder()
                .setOrigin(ORIGIN)
                .setTime(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
                .setStarted(Timestamp.newBuilder().setSeconds(at.getEpochSecond() - 60))
                .setRulesLoaded(42)
                .setEventsTotal(events)
                .setKernelDropsTotal(3)
                .setSpoolAlerts(5)
                .setSpoolBytes(4096)
                .build();
    }

    static Alert alert() {
        return Alert.newBuilder()
                .setUuid(UUID.randomUUID().toString())
                .setRule("Terminal shell in container")
                .setPriority(Priority.NOTICE)
                .setSource("syscall")
                .setOutput("a shell")
                .setHostname("node-7")
                .setTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .setOrigin(ORIGIN)
                .build();
    }

    JsonNode detector(Http ui) {
        JsonNode list = ui.json("/api/detectors").get("detectors");
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    boolean deliveredRule(String rule) {
        return webhook.requests().stream().anyMatch(r -> r.body().contains("\"rule\":\"" + rule + "\""));
    }

    @Test
    void reportsAreListedAndSilenceRaisesAnAlertThroughThePipeline() throws Exception {
        Http ui = Users.asAdmin(Http.local(dashboardPort.port()));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port.get(30, TimeUnit.SECONDS))
                .usePlaintext()
                .build();
        try {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> closed = new CompletableFuture<>();
            StreamObserver<AlertEnvelope> stream = AlertIntakeGrpc.newStub(channel)
                    .send(new StreamObserver<>() {
                        public void onNext(Ack a) {
                            acks.add(a);
                        }

                        public void onError(Throwable t) {
                            closed.completeExceptionally(t);
                        }

                        public void onCompleted() {
                            closed.complete(null);
                        }
                    });
            Instant t0 = Instant.now();
            stream.onNext(AlertEnvelope.newBuilder().setStatus(status(t0, 1000)).build());
            stream.onNext(AlertEnvelope.newBuilder()
                    .setStatus(status(t0.plusSeconds(2), 3000))
                    .build());
            stream.onNext(
                    AlertEnvelope.newBuilder().setSequence(1).setAlert(alert()).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> acks.size() == 1);
            assertThat(acks.getFirst().getSequence()).isEqualTo(1); // the reports got none
            JsonNode d = detector(ui);
            assertThat(d.get("hostname").stringValue()).isEqualTo("node-7");
            assertThat(d.get("node").stringValue()).isEqualTo("worker-7");
            assertThat(d.get("version").stringValue()).isEqualTo("0.1.0");
            assertThat(d.get("rulesLoaded").asInt()).isEqualTo(42);
            assertThat(d.get("eventsPerSecond").asDouble()).isEqualTo(1000.0);
            assertThat(d.get("kernelDrops").asLong()).isEqualTo(3);
            assertThat(d.get("spoolAlerts").asLong()).isEqualTo(5);
            assertThat(d.get("connected").asBoolean()).isTrue();
            assertThat(d.get("down").asBoolean()).isFalse();

            stream.onCompleted();
            closed.get(20, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !detector(ui).get("connected").asBoolean());

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> detector(ui).get("down").asBoolean());
            await().atMost(Duration.ofSeconds(30)).until(() -> deliveredRule("Peregrine detector down"));
            // The store writes in batches behind delivery: wait for it to have the alert.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ui.json("/api/alerts?rule=Peregrine+detector+down")
                                    .get("total")
                                    .asLong()
                            > 0);
            JsonNode stored = ui.json("/api/alerts?rule=Peregrine+detector+down");
            assertThat(stored.get("total").asLong()).isEqualTo(1);
            JsonNode down = stored.get("alerts").get(0).get("alert");
            assertThat(down.get("priority").stringValue()).isEqualTo("Critical");
            assertThat(down.get("hostname").stringValue()).isEqualTo("node-7");
            assertThat(down.get("output_fields").get("peregrine.detector.node").stringValue())
                    .isEqualTo("worker-7");

            // it reports again: no longer down, and an alert says it is back
            StreamObserver<AlertEnvelope> again = AlertIntakeGrpc.newStub(channel)
                    .send(new StreamObserver<>() {
                        public void onNext(Ack a) {}

                        public void onError(Throwable t) {}

                        public void onCompleted() {}
                    });
            again.onNext(AlertEnvelope.newBuilder()
                    .setStatus(status(Instant.now(), 5000))
                    .build());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !detector(ui).get("down").asBoolean());
            await().atMost(Duration.ofSeconds(30)).until(() -> deliveredRule("Peregrine detector back"));
            again.onCompleted();
        } finally {
            channel.shutdownNow();
        }
    }
}
