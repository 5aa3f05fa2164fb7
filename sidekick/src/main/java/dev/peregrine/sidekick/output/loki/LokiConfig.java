package dev.peregrine.sidekick.output.loki;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.LabelNames;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Grafana Loki, through its push API ({@code POST /loki/api/v1/push}, JSON): each alert one log
 * line in a stream labelled as Falcosidekick labels it (rule, priority, source, hostname, tags),
 * with chosen output fields and fixed labels added.
 *
 * @param url Loki's address, e.g. {@code http://loki:3100}
 * @param endpoint the push path, added to {@code url}
 * @param format the log line: {@code text} (Falco's output line) or {@code json} (Falco JSON with the uuid)
 * @param outputFields output fields that become labels ({@code k8s.ns.name} → {@code k8s_ns_name});
 *     keep them few and low in cardinality, as Loki asks of labels. As Falcosidekick, k8s.ns.name,
 *     k8s.pod.name and the custom and templated fields are labels too, unless Peregrine's payloads
 *     are asked for
 * @param extraLabels fixed labels added to every stream; they win over the others
 * @param tenant sent as {@code X-Scope-OrgID}, for a multi-tenant Loki
 * @param username basic auth, with {@code password} (Grafana Cloud: the instance id and a token)
 * @param headers extra HTTP headers
 * @param timeout per request, connecting included
 * @param tls the CA to trust and a client certificate, for https
 */
@OutputType("loki")
@FalcosidekickOutput(
        value = "loki",
        keys = {
            "hostport: url",
            "endpoint",
            "user: username",
            "apikey: password",
            "tenant",
            "format",
            "extralabels: output-fields",
            "customheaders: headers.*"
        })
public record LokiConfig(
        @NotNull URI url,
        @DefaultValue("/loki/api/v1/push") String endpoint,

        @DefaultValue("text") @Pattern(regexp = "(?i)text|json", message = "must be text or json")
        String format,

        @DefaultValue List<String> outputFields,
        @DefaultValue Map<String, String> extraLabels,
        String tenant,
        String username,
        String password,
        @DefaultValue Map<String, String> headers,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        HttpSender.checkUrl(key + ".url", url);
        HttpSender.checkHeaders(key + ".headers", headers);
        if (!endpoint.startsWith("/")) {
            throw new ConfigException(key + ".endpoint", "must be a path starting with '/', got '" + endpoint + "'");
        }
        for (int i = 0; i < outputFields.size(); i++) {
            String field = outputFields.get(i);
            if (field == null
                    || field.isBlank()
                    || LabelNames.fromField(field.trim()).isEmpty()) {
                throw new ConfigException(
                        key + ".output-fields[" + i + "]", "not an output field name: '" + field + "'");
            }
        }
        extraLabels.keySet().forEach(name -> {
            // Names starting with "__" are Loki's own.
            if (!LabelNames.valid(name) || name.startsWith("__")) {
                throw new ConfigException(
                        key + ".extra-labels." + name,
                        "not a label name (letters, digits and '_', not starting with a digit or '__')");
            }
        });
        if (tenant != null && tenant.isBlank()) {
            throw new ConfigException(key + ".tenant", "must not be blank");
        }
        if (password != null && username == null) {
            throw new ConfigException(key + ".password", "a password needs a username");
        }
        List<String> fields = new ArrayList<>();
        if (context.falcosidekick()) {
            fields.addAll(List.of("k8s.ns.name", "k8s.pod.name"));
            fields.addAll(new TreeSet<>(context.customFields()));
        }
        outputFields.stream().map(String::trim).filter(f -> !fields.contains(f)).forEach(fields::add);
        return new LokiOutput(this, pushUri(), fields, context.falcosidekick());
    }

    /** {@code url} with {@code endpoint} added, unless the URL's path already ends with it. */
    URI pushUri() {
        String base = url.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base.endsWith(endpoint) ? base : base + endpoint);
    }
}
