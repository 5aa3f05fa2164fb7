package dev.peregrine.sidekick;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The sidekick: receives alerts over HTTP (Falco's JSON) and gRPC, spools them, delivers them. */
@SpringBootApplication
public class Sidekick {
    /**
     * gRPC reports refused TLS clients (no or untrusted client certificate) only at JUL level
     * FINE; the level must be set on the JUL logger itself for the record to reach logback.
     * Held in a field because JUL keeps loggers only weakly.
     */
    static final java.util.logging.Logger TLS_REFUSALS =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators");

    static {
        TLS_REFUSALS.setLevel(java.util.logging.Level.FINE);
    }

    public static void main(String[] args) {
        SpringApplication.run(Sidekick.class, args);
    }
}
