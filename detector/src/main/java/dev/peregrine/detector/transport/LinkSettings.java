package dev.peregrine.detector.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How the detector reaches the sidekick.
 *
 * @param target host:port of the sidekick's gRPC intake, or several, comma-separated (replicas): each
 *     new connection goes to one of them at random
 * @param caFile trust this CA (PEM) and use TLS; null for plaintext
 * @param certFile client certificate (PEM) for mutual TLS, with keyFile
 * @param token sent as "authorization: Bearer TOKEN" when the sidekick requires one
 * @param window alerts in flight without an ack
 * @param ackDeadline the longest a stream with alerts in flight may go without any ack: past it the
 *     link ends the stream and reconnects (a wedged sidekick still answers keep-alive pings)
 */
public record LinkSettings(
        String target,
        Path caFile,
        Path certFile,
        Path keyFile,
        String token,
        int window,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration ackDeadline) {

    public static final Duration DEFAULT_ACK_DEADLINE = Duration.ofSeconds(60);

    public LinkSettings {
        if (target == null || split(target).isEmpty()) {
            throw new IllegalArgumentException("the sidekick's address is empty");
        }
        if (ackDeadline.isNegative() || ackDeadline.isZero()) {
            throw new IllegalArgumentException("the ack deadline must be positive, not " + ackDeadline);
        }
    }

    /**
     * With the default window (1024 alerts), backoff (200 ms doubling up to 30 s) and ack deadline
     * (60 s).
     */
    public static LinkSettings of(String target, Path caFile, Path certFile, Path keyFile, String token) {
        return new LinkSettings(
                target,
                caFile,
                certFile,
                keyFile,
                token,
                1024,
                Duration.ofMillis(200),
                Duration.ofSeconds(30),
                DEFAULT_ACK_DEADLINE);
    }

    /** The same with {@code deadline} as the ack deadline. */
    public LinkSettings withAckDeadline(Duration deadline) {
        return new LinkSettings(target, caFile, certFile, keyFile, token, window, initialBackoff, maxBackoff, deadline);
    }

    public static LinkSettings plaintext(String target) {
        return of(target, null, null, null, null);
    }

    /** The targets, comma-separated in {@code target}. */
    public List<String> targets() {
        return split(target);
    }

    private static List<String> split(String target) {
        return Arrays.stream(target.split(","))
                .map(String::strip)
                .filter(t -> !t.isEmpty())
                .toList();
    }

    public boolean tls() {
        return caFile != null || certFile != null;
    }
}
