package dev.peregrine.sidekick.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for tests: one to start a server on, or a destination which is down. */
public final class Loopback {
    private Loopback() {}

    /** A loopback port that was free a moment ago and has no listener: connecting to it is refused. */
    public static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port that was free a moment ago, for a server the test starts there. */
    public static int freePort() {
        return closedPort();
    }
}
