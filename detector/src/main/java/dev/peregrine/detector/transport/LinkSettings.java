package dev.peregrine.detector.transport;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the detector reaches the sidekick.
 *
 * @param target host:port of the sidekick's gRPC intake
 * @param caFile trust this CA (PEM) and use TLS; null for plaintext
 * @param certFile client certificate (PEM) for mutual TLS, with keyFile
 * @param token sent as "authorization: Bearer TOKEN" when the sidekick requires one
 * @param window alerts in flight without an ack
 */
public record LinkSettings(
        String target,
        Path caFile,
        Path certFile,
        Path keyFile,
        String token,
        int window,
        Duration initialBackoff,
        Duration maxBackoff) {

    public static LinkSettings plaintext(String target) {
        return new LinkSettings(target, null, null, null, null, 1024, Duration.ofMillis(200), Duration.ofSeconds(30));
    }

    public boolean tls() {
        return caFile != null || certFile != null;
    }
}
