package dev.peregrine.sidekick.output.influxdb;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * InfluxDB: each alert one point of measurement {@code events}, written in line protocol over
 * HTTP as Falcosidekick writes it: to a 1.x database ({@code /write?db=}) or, with an
 * organization, to a 2.x bucket ({@code /api/v2/write}).
 *
 * @param url the server, {@code http://influxdb:8086} (Falcosidekick's {@code hostport})
 * @param database the 1.x database
 * @param organization with {@code bucket}: write to InfluxDB 2.x's API instead
 * @param bucket the 2.x bucket
 * @param precision of the point's timestamp: {@code ns}, {@code us} ({@code u}), {@code ms},
 *     {@code s}
 * @param username with {@code password}, InfluxDB 1.x's user (sent as basic auth)
 * @param token an API token (2.x), sent as {@code Authorization: Token ...}
 * @param timeout for each request
 * @param tls the CA to trust and a client certificate, for https
 */
@OutputType("influxdb")
@FalcosidekickOutput(
        value = "influxdb",
        keys = {
            "hostport: url",
            "database",
            "organization",
            "bucket",
            "precision",
            "user: username",
            "password",
            "token"
        })
public record InfluxdbConfig(
        @NotNull URI url,
        @DefaultValue("falco") String database,
        String organization,
        @DefaultValue("falco") String bucket,
        @DefaultValue("ns") String precision,
        String username,
        String password,
        String token,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    private static final Set<String> PRECISIONS = Set.of("ns", "n", "us", "u", "ms", "s");

    @Override
    public Output create(OutputContext context) {
        String base = context.key();
        HttpSender.checkUrl(base + ".url", url);
        if (!PRECISIONS.contains(precision)) {
            throw new ConfigException(base + ".precision", "must be ns, us, ms or s, got '" + precision + "'");
        }
        if (token != null && !token.isEmpty() && username != null && !username.isEmpty()) {
            throw new ConfigException(base + ".token", "give either username/password or token, not both");
        }
        if (password != null && !password.isEmpty() && (username == null || username.isEmpty())) {
            throw new ConfigException(base + ".password", "a password needs a username");
        }
        String problem = tls.problem();
        if (problem != null) {
            throw new ConfigException(base + ".tls", problem);
        }
        return new InfluxdbOutput(this, writeUri(base));
    }

    boolean v2() {
        return organization != null && !organization.isBlank() && bucket != null && !bucket.isBlank();
    }

    /** Falcosidekick's write URL, with the credentials left out of it (they go in a header). */
    URI writeUri(String base) {
        String root = url.toString().replaceAll("/+$", "");
        String query;
        if (v2()) {
            query = "/api/v2/write?org=" + enc(organization) + "&bucket=" + enc(bucket);
        } else if (database != null && !database.isBlank()) {
            query = "/write?db=" + enc(database);
        } else {
            throw new ConfigException(base + ".database", "give a database (1.x) or an organization and bucket (2.x)");
        }
        return URI.create(root + query + "&precision=" + precision);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
