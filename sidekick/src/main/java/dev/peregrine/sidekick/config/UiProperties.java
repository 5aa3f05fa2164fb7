package dev.peregrine.sidekick.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The dashboard and its alert store, {@code peregrine.ui.*}: what Falcosidekick-UI and its Redis
 * did, inside the sidekick.
 *
 * @param enabled off: no store, no dashboard port, alerts are only delivered
 * @param port the dashboard's own port (Falcosidekick-UI's 2802); the same as {@code server.port}
 *     serves the dashboard beside the intake on one port
 * @param user one admin user in Falcosidekick-UI's {@code name:password} form (its {@code
 *     FALCOSIDEKICK_UI_USER}); more users, with roles, under {@code peregrine.security.users}
 * @param oidc the roles of people who log in through OIDC ({@code spring.security.oauth2.client.*})
 * @param forwardedHeaders honour {@code X-Forwarded-Prefix}/{@code -Host}/{@code -Proto} on dashboard
 *     requests, for a reverse proxy that serves it on a sub-path
 */
@Validated
@ConfigurationProperties("peregrine.ui")
public record UiProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("2802") @Min(0) @Max(65535) int port,
        String user,
        @DefaultValue("true") boolean forwardedHeaders,
        @DefaultValue @Valid Store store,
        @DefaultValue @Valid Retention retention,
        @DefaultValue @Valid Detectors detectors,
        @DefaultValue @Valid Oidc oidc) {

    /**
     * @param type {@code sqlite} (a file beside the spool) or {@code postgresql}
     * @param dir where alerts.db lives; by default the spool's directory
     * @param url for postgresql: its JDBC URL ({@code jdbc:postgresql://host:5432/db})
     * @param queue alerts waiting to be written to the store; when full, alerts are still delivered
     *     but left out of the store (counted in {@code peregrine.store.dropped})
     * @param queueBytes the same bound on their JSON's size (the parsed alert queued beside it takes
     *     more again on the heap): a backlog is garbage the collector must carry, and at 100,000
     *     alerts its full collections held intake up (docs/benchmarks.md)
     */
    public record Store(
            @DefaultValue("sqlite") @NotNull StoreType type,
            Path dir,
            String url,
            String username,
            String password,
            @DefaultValue("4") @Min(1) int readers,
            @DefaultValue("100000") @Min(1) int queue,
            @DefaultValue("32MB") @NotNull DataSize queueBytes) {}

    /** "key: reason" for the sizes bean validation cannot check; empty when they are fine. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (store.queueBytes().toBytes() < 1) {
            problems.add("peregrine.ui.store.queue-bytes: must be greater than 0, not " + store.queueBytes());
        }
        return problems;
    }

    public enum StoreType {
        SQLITE,
        POSTGRESQL
    }

    /**
     * @param maxAge alerts older than this are deleted
     * @param maxSize the store is kept under this size, oldest alerts deleted first
     * @param checkEvery how often both limits are enforced
     */
    public record Retention(
            @DefaultValue("30d") @NotNull Duration maxAge,
            @DefaultValue("2GB") @NotNull DataSize maxSize,
            @DefaultValue("30s") @NotNull Duration checkEvery) {}

    /**
     * @param downAfter a detector that sent nothing (no alert, no status) for this long is down, and
     *     an alert says so
     */
    public record Detectors(@DefaultValue("2m") @NotNull Duration downAfter) {}

    /**
     * @param roles what everyone the OIDC provider lets in may do ({@code viewer}, or {@code admin})
     * @param admins who may also change things: the {@code email}, {@code preferred_username} or
     *     {@code sub} of the OIDC user
     */
    public record Oidc(
            @DefaultValue("viewer") List<String> roles,
            @DefaultValue List<String> admins) {}
}
