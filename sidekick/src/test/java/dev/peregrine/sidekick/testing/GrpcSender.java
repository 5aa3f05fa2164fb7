package dev.peregrine.sidekick.testing;

import com.google.protobuf.Timestamp;
import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.contract.v1.Priority;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.event.EventListener;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/** A detector's side of the gRPC intake, for tests: one stream, every envelope, every ack. */
public final class GrpcSender {
    private GrpcSender() {}

    /** Import into a Spring Boot test to learn the gRPC port ({@code spring.grpc.server.port=0}). */
    @TestConfiguration
    public static class Port {
        public final CompletableFuture<Integer> port = new CompletableFuture<>();

        @EventListener
        void started(GrpcServerStartedEvent e) {
            port.complete(e.getPort());
        }

        public int get() throws Exception {
            return port.get(30, TimeUnit.SECONDS);
        }
    }

    /** One stream on {@code channel}: where to send, the acks as they come, and its end. */
    public record Stream(StreamObserver<AlertEnvelope> out, List<Ack> acks, CompletableFuture<Void> done) {
        public static Stream open(ManagedChannel channel) {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            StreamObserver<AlertEnvelope> out = AlertIntakeGrpc.newStub(channel).send(new StreamObserver<>() {
                @Override
                public void onNext(Ack ack) {
                    acks.add(ack);
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.complete(null);
                }
            });
            return new Stream(out, acks, done);
        }
    }

    /** A plaintext channel to the intake on loopback. */
    public static ManagedChannel channel(int port) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
    }

    /** Sends the envelopes on one stream, half-closes and returns the acks (within 30 s). */
    public static List<Ack> send(int port, List<AlertEnvelope> envelopes) throws Exception {
        ManagedChannel channel = channel(port);
        try {
            Stream stream = Stream.open(channel);
            envelopes.forEach(stream.out()::onNext);
            stream.out().onCompleted();
            stream.done().get(30, TimeUnit.SECONDS);
            return stream.acks();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** One plain alert with a fresh uuid. */
    public static AlertEnvelope envelope(long sequence, String rule) {
        return AlertEnvelope.newBuilder()
                .setSequence(sequence)
                .setAlert(Alert.newBuilder()
                        .setUuid(UUID.randomUUID().toString())
                        .setRule(rule)
                        .setPriority(Priority.WARNING)
                        .setSource("syscall")
                        .setOutput("12:00:00.000000001: Warning " + rule)
                        .setHostname("node-1")
                        .setTime(Timestamp.newBuilder().setSeconds(1763630042)))
                .build();
    }
}
