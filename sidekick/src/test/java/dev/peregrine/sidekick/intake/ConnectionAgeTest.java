package dev.peregrine.sidekick.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.sidekick.testing.GrpcSender;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * peregrine.intake.grpc-max-connection-age: the sidekick sends a GOAWAY to a connection past its
 * age, the stream on it goes on until the sender has its acks and half-closes, and then the
 * sidekick completes it (rather than cutting it, which would make the detector resend).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(GrpcSender.Port.class)
class ConnectionAgeTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();

    @TempDir
    static Path spool;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("peregrine.intake.grpc-max-connection-age", () -> "1s");
        r.add("peregrine.intake.grpc-max-connection-age-grace", () -> "30s");
    }

    @Autowired
    GrpcSender.Port grpc;

    @AfterAll
    static void stop() {
        webhook.close();
    }

    @Test
    void aConnectionPastItsAgeGetsAGoAwayAndItsStreamEndsInOrder() throws Exception {
        ManagedChannel channel = GrpcSender.channel(grpc.get());
        try {
            GrpcSender.Stream stream = GrpcSender.Stream.open(channel);
            StreamObserver<AlertEnvelope> out = stream.out();
            List<Ack> acks = stream.acks();
            CompletableFuture<Void> done = stream.done();
            out.onNext(GrpcSender.envelope(1, "before the GOAWAY"));
            await().atMost(Duration.ofSeconds(30)).until(() -> acks.size() == 1);
            assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);

            // Past the age (1 s +/- 10 %) the connection takes no new streams: the channel leaves READY.
            await().atMost(Duration.ofSeconds(30)).until(() -> channel.getState(false) != ConnectivityState.READY);
            assertThat(done).isNotDone();

            // The stream on it still works within the grace, and ends in order once half-closed.
            out.onNext(GrpcSender.envelope(2, "after the GOAWAY"));
            out.onCompleted();
            done.get(30, TimeUnit.SECONDS);
            assertThat(acks).extracting(Ack::getSequence).containsExactly(1L, 2L);
            assertThat(acks).extracting(Ack::getStatus).containsOnly(Ack.Status.DURABLE);
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
