package dev.peregrine.sidekick.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.sidekick.testing.GrpcSender;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.event.EventListener;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GrpcIntakeTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    static Path spool;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
    }

    @TestConfiguration
    static class Port {
        final CompletableFuture<Integer> port = new CompletableFuture<>();

        @EventListener
        void started(GrpcServerStartedEvent e) {
            port.complete(e.getPort());
        }
    }

    @Autowired
    Port grpc;

    @AfterAll
    static void stop() {
        webhook.close();
    }

    static Alert alert(String uuid, String rule, Priority priority) {
        return Alert.newBuilder()
                .setUuid(uuid)
                .setRule(rule)
                .setPriority(priority)
                .setSource("syscall")
                .setOutput("12:00:00.000000001: Warning " + rule)
                .setHostname("node-1")
                .setTime(Timestamp.newBuilder().setSeconds(1763630042).setNanos(118734512))
                .putOutputFields(
                        "evt.time",
                        FieldValue.newBuilder()
                                .setIntValue(1763630042118734512L)
                                .build())
                .putOutputFields(
                        "proc.name",
                        FieldValue.newBuilder().setStringValue("cat").build())
                .putOutputFields(
                        "k8s.ns.name",
                        FieldValue.newBuilder().setNullValueValue(0).build())
                .addTags("filesystem")
                .addTags("T1555")
                .setOrigin(Origin.newBuilder()
                        .setHostname("node-1")
                        .setNodeName("worker-1")
                        .setClusterName("prod"))
                .build();
    }

    List<Ack> send(List<AlertEnvelope> envelopes) throws Exception {
        return GrpcSender.send(grpc.port.get(30, TimeUnit.SECONDS), envelopes);
    }

    @Test
    void everyAlertGetsItsAckAndReachesTheOutputWithTypedFieldsAndOrigin() throws Exception {
        String good = UUID.randomUUID().toString();
        List<Ack> acks = send(List.of(
                AlertEnvelope.newBuilder()
                        .setSequence(1)
                        .setAlert(alert(good, "Read sensitive file untrusted", Priority.WARNING))
                        .build(),
                AlertEnvelope.newBuilder()
                        .setSequence(2)
                        .setAlert(alert(UUID.randomUUID().toString(), "", Priority.WARNING))
                        .build(),
                AlertEnvelope.newBuilder()
                        .setSequence(3)
                        .setAlert(alert(UUID.randomUUID().toString(), "r", Priority.PRIORITY_UNSPECIFIED))
                        .build(),
                AlertEnvelope.newBuilder()
                        .setSequence(4)
                        .setAlert(alert(good, "Read sensitive file untrusted", Priority.WARNING))
                        .build()));

        assertThat(acks).hasSize(4);
        Map<Long, Ack> bySeq = acks.stream().collect(Collectors.toMap(Ack::getSequence, a -> a));
        assertThat(bySeq.get(1L).getStatus()).isEqualTo(Ack.Status.DURABLE);
        assertThat(bySeq.get(1L).getUuid()).isEqualTo(good);
        assertThat(bySeq.get(2L).getStatus()).isEqualTo(Ack.Status.REJECTED);
        assertThat(bySeq.get(2L).getReason()).isEqualTo("rule: required field is missing");
        assertThat(bySeq.get(3L).getStatus()).isEqualTo(Ack.Status.REJECTED);
        assertThat(bySeq.get(3L).getReason()).startsWith("priority: ");
        assertThat(bySeq.get(4L).getStatus())
                .as("a resend of a durable alert is acknowledged again")
                .isEqualTo(Ack.Status.DURABLE);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> webhook.requests().stream().anyMatch(q -> good.equals(q.header("Idempotency-Key"))));
        assertThat(webhook.requests().stream().filter(q -> good.equals(q.header("Idempotency-Key"))))
                .hasSize(1);
        JsonNode body = json.readTree(webhook.requests().stream()
                .filter(q -> good.equals(q.header("Idempotency-Key")))
                .findFirst()
                .orElseThrow()
                .body());
        assertThat(body.get("time").stringValue()).isEqualTo("2025-11-20T09:14:02.118734512Z");
        assertThat(body.get("priority").stringValue()).isEqualTo("Warning");
        assertThat(body.get("output_fields").get("evt.time").longValue()).isEqualTo(1763630042118734512L);
        assertThat(body.get("output_fields").get("k8s.ns.name").isNull()).isTrue();
        assertThat(body.get("tags").toString()).isEqualTo("[\"T1555\",\"filesystem\"]");
        assertThat(body.get("origin").get("node_name").stringValue()).isEqualTo("worker-1");
        assertThat(body.get("origin").get("cluster_name").stringValue()).isEqualTo("prod");
    }

    @Test
    void manyAlertsOnOneStreamAreAllAcknowledged() throws Exception {
        List<AlertEnvelope> envelopes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            envelopes.add(AlertEnvelope.newBuilder()
                    .setSequence(i)
                    .setAlert(alert(UUID.randomUUID().toString(), "bulk", Priority.NOTICE))
                    .build());
        }
        List<Ack> acks = send(envelopes);
        assertThat(acks).hasSize(2_000).allMatch(a -> a.getStatus() == Ack.Status.DURABLE);
        assertThat(acks.stream().map(Ack::getSequence).distinct()).hasSize(2_000);
    }

    /**
     * A detector pings an idle stream (every 30 s; 10 s here, gRPC's minimum). With gRPC's default
     * server policy the third ping inside 5 minutes gets GOAWAY "too_many_pings" and the stream dies.
     */
    @Test
    void anIdleStreamThatPingsIsNotCutOff() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port.get(30, TimeUnit.SECONDS))
                .usePlaintext()
                .keepAliveTime(10, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .build();
        try {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            StreamObserver<AlertEnvelope> out = AlertIntakeGrpc.newStub(channel).send(new StreamObserver<>() {
                public void onNext(Ack ack) {
                    acks.add(ack);
                }

                public void onError(Throwable t) {
                    ended.completeExceptionally(t);
                }

                public void onCompleted() {
                    ended.complete(null);
                }
            });
            // Four pings' worth of idleness: the stream must stay open all along.
            await().during(Duration.ofSeconds(42))
                    .atMost(Duration.ofSeconds(50))
                    .until(() -> !ended.isDone());
            out.onNext(AlertEnvelope.newBuilder()
                    .setSequence(1)
                    .setAlert(alert(UUID.randomUUID().toString(), "after idle", Priority.NOTICE))
                    .build());
            await().atMost(Duration.ofSeconds(30)).until(() -> acks.size() == 1 || ended.isDone());
            assertThat(ended).isNotDone();
            assertThat(acks).singleElement().extracting(Ack::getStatus).isEqualTo(Ack.Status.DURABLE);
            out.onCompleted();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
