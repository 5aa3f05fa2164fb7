package dev.peregrine.detector.transport;

import java.time.Duration;

/** The link settings the transport tests share, spelled once so each test names only what it is about. */
final class LinkSettingsFixtures {
    private LinkSettingsFixtures() {}

    /** Plaintext, no token: see {@link #forTest(String, String)}. */
    static LinkSettings forTest(String target) {
        return forTest(target, null);
    }

    /**
     * Plaintext to {@code target} with {@code token} (null for none), a window of 64 alerts, a
     * backoff of 20 ms doubling up to 200 ms (so reconnects happen within a test's patience) and
     * the default ack deadline ({@link LinkSettings#withAckDeadline} for another).
     */
    static LinkSettings forTest(String target, String token) {
        return new LinkSettings(
                target,
                null,
                null,
                null,
                token,
                64,
                Duration.ofMillis(20),
                Duration.ofMillis(200),
                LinkSettings.DEFAULT_ACK_DEADLINE);
    }
}
