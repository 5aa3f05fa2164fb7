package dev.peregrine.sidekick.security;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may do what over HTTP: {@code peregrine.security.*}. Users and tokens are shared by every
 * HTTP port of the sidekick (the API on 2801, the dashboard), so one list of people and machines
 * is kept in one place. Secrets are stored hashed only.
 *
 * @param users people (and scripts) that log in with a name and a password, by name
 * @param tokens bearer tokens for machines (Prometheus, a sender of alerts, a CI job), by a name
 *     that appears only in logs
 * @param intake who may post alerts to {@code POST /}
 * @param metrics who may read {@code /metrics} and {@code /actuator/prometheus}
 */
@ConfigurationProperties("peregrine.security")
public record SecuritySettings(
        @DefaultValue Map<String, User> users,
        @DefaultValue Map<String, Token> tokens,
        @DefaultValue("open") Access intake,
        @DefaultValue("open") Access metrics) {

    public static final String PREFIX = "peregrine.security";

    /**
     * @param password a bcrypt hash ({@code {bcrypt}$2a$10$...}, or htpasswd's {@code $2y$...});
     *     plain text is refused
     * @param roles {@code admin}, {@code viewer}, {@code metrics}, {@code intake}
     */
    public record User(String password, @DefaultValue List<String> roles) {}

    /**
     * @param sha256 the SHA-256 of the token, in hex (the token itself is never stored)
     * @param roles {@code admin}, {@code viewer}, {@code metrics}, {@code intake}
     */
    public record Token(String sha256, @DefaultValue List<String> roles) {}

    /** Whether a route needs a credential. */
    public enum Access {
        /** Anyone who can reach the port. */
        OPEN,
        /** A credential with the route's role (a token, a user, or for the intake a client certificate). */
        AUTHENTICATED
    }
}
