package dev.peregrine.sidekick.intake;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The shared-token option for simple setups: every gRPC call must carry
 * "authorization: Bearer TOKEN" ({@code peregrine.intake.token}). A refused call is closed with
 * UNAUTHENTICATED and the reason, counted and logged once per kind.
 */
public final class IntakeToken implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final byte[] expected;
    private final Rejections rejections;

    public IntakeToken(String token, Rejections rejections) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.rejections = rejections;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String given = headers.get(AUTHORIZATION);
        // Constant-time comparison: the token must not leak through timing.
        if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            return next.startCall(call, headers);
        }
        String reason = given == null ? "no authorization token sent" : "wrong authorization token";
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        rejections.record("grpc", "unauthenticated", reason + " (peer " + peer + ")");
        call.close(
                Status.UNAUTHENTICATED.withDescription(reason + "; set the detector's token to peregrine.intake.token"),
                new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
