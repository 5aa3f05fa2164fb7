package dev.peregrine.sidekick.output.elasticsearch;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Elasticsearch or OpenSearch, through the bulk API ({@code POST /_bulk}): each alert a document
 * whose {@code _id} is the alert's uuid, created once, so a redelivered alert is not indexed twice.
 *
 * @param url the cluster's address, e.g. {@code https://es:9200}; {@code /_bulk} is added unless the
 *     URL ends with it
 * @param index the index name, or its prefix when {@code suffix} is not {@code none}
 * @param suffix {@code daily} ({@code falco-2025.11.20}), {@code monthly} ({@code falco-2025.11}),
 *     {@code annually} ({@code falco-2025}) or {@code none} ({@code falco}); the date is the alert's,
 *     in UTC, so a redelivery lands in the same index
 * @param username basic auth, with {@code password}
 * @param apiKey sent as {@code Authorization: ApiKey <api-key>} (the encoded key Elasticsearch returns)
 * @param flattenFields output field names with '_' for '.' ({@code k8s_ns_name}), which avoids mapping
 *     conflicts between fields such as {@code evt.time} and {@code evt.time.iso8601}
 * @param pipeline an ingest pipeline to run the documents through
 * @param headers extra HTTP headers
 * @param timeout per request, connecting included
 * @param tls the CA to trust and a client certificate, for https
 */
@OutputType("elasticsearch")
@FalcosidekickOutput(
        value = "elasticsearch",
        keys = {
            "hostport: url",
            "index",
            "suffix",
            "username",
            "password",
            "apikey: api-key",
            "pipeline",
            "flattenfields: flatten-fields",
            "customheaders: headers.*"
        })
public record ElasticsearchConfig(
        @NotNull URI url,
        @DefaultValue("falco") @NotBlank String index,

        @DefaultValue("daily")
        @Pattern(regexp = "(?i)daily|monthly|annually|none", message = "must be daily, monthly, annually or none")
        String suffix,

        String username,
        String password,
        String apiKey,
        @DefaultValue("false") boolean flattenFields,
        String pipeline,
        @DefaultValue Map<String, String> headers,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    static final String BULK_PATH = "/_bulk";

    /** Characters an index name cannot have (Elasticsearch's and OpenSearch's rule). */
    private static final java.util.regex.Pattern BAD_INDEX = java.util.regex.Pattern.compile("[\\\\/*?\"<>| ,#:A-Z]");

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        HttpSender.checkUrl(key + ".url", url);
        HttpSender.checkHeaders(key + ".headers", headers);
        if (BAD_INDEX.matcher(index).find()
                || index.startsWith("-")
                || index.startsWith("_")
                || index.startsWith("+")
                || index.equals(".")
                || index.equals("..")
                || index.getBytes(StandardCharsets.UTF_8).length > 240) {
            throw new ConfigException(
                    key + ".index",
                    "not an index name (lower case, none of \\ / * ? \" < > | , # :"
                            + " or spaces, not starting with -, _ or +, at most 240 bytes), got '" + index + "'");
        }
        if (apiKey != null && username != null) {
            throw new ConfigException(
                    key + ".api-key", "give either username/password (basic auth) or api-key, not both");
        }
        if (password != null && username == null) {
            throw new ConfigException(key + ".password", "a password needs a username");
        }
        if (pipeline != null && pipeline.isBlank()) {
            throw new ConfigException(key + ".pipeline", "must not be blank");
        }
        return new ElasticsearchOutput(this, endpoint());
    }

    /** The bulk endpoint under {@link #url()}, with the pipeline parameter. */
    URI endpoint() {
        String base = url.toString();
        int query = base.indexOf('?');
        String head = query < 0 ? base : base.substring(0, query);
        String params = query < 0 ? "" : base.substring(query + 1);
        while (head.endsWith("/")) {
            head = head.substring(0, head.length() - 1);
        }
        if (!head.endsWith(BULK_PATH)) {
            head += BULK_PATH;
        }
        if (pipeline != null) {
            String p = "pipeline="
                    + URLEncoder.encode(pipeline, StandardCharsets.UTF_8).replace("+", "%20");
            params = params.isEmpty() ? p : params + "&" + p;
        }
        return URI.create(params.isEmpty() ? head : head + "?" + params);
    }
}
