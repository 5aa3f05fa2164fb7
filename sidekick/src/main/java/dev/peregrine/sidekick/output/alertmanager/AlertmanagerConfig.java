package dev.peregrine.sidekick.output.alertmanager;

import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.LabelNames;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.Secrets;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Prometheus Alertmanager, through its v2 API ({@code POST /api/v2/alerts}). Each alert becomes an
 * Alertmanager alert labelled as Falcosidekick labels it, so routes, inhibitions and silences
 * written for Falcosidekick keep matching.
 *
 * @param url Alertmanager's address, e.g. {@code http://alertmanager:9093} (with its route prefix,
 *     if any); {@code /api/v2/alerts} is added unless the URL already ends with it
 * @param outputFields output fields that become labels, dots and other characters a label name
 *     cannot have turned into '_' ({@code k8s.ns.name} → {@code k8s_ns_name}); {@code *}: every
 *     field with a text or number value, as Falcosidekick does
 * @param expiresAfter {@code endsAt} is this long after the alert's time (or after its delivery,
 *     for an alert delivered late); 0: no {@code endsAt}, Alertmanager's {@code resolve_timeout}
 *     decides. A bare number is seconds, as Falcosidekick's {@code ALERTMANAGER_EXPIRESAFTER}
 * @param extraLabels added to every alert; they win over the labels made from the alert
 * @param extraAnnotations added to every alert
 * @param severity overrides of the {@code severity} label per Falco priority, e.g.
 *     {@code critical: page}
 * @param headers extra HTTP headers, e.g. for an authenticating proxy
 * @param timeout per request, connecting included
 * @param tls the CA to trust and a client certificate, for https
 */
@OutputType("alertmanager")
public record AlertmanagerConfig(
        @NotNull URI url,

        @DefaultValue({"k8s.ns.name", "k8s.pod.name", "container.name"})
        List<String> outputFields,

        @DefaultValue("5m") @DurationUnit(ChronoUnit.SECONDS)
        Duration expiresAfter,

        @DefaultValue Map<String, String> extraLabels,
        @DefaultValue Map<String, String> extraAnnotations,
        @DefaultValue Map<String, String> severity,
        @DefaultValue Map<String, String> headers,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    static final String API_PATH = "/api/v2/alerts";

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        HttpSender.checkUrl(key + ".url", url);
        HttpSender.checkHeaders(key + ".headers", headers);
        if (url.getPath() != null && url.getPath().endsWith("/api/v1/alerts")) {
            throw new ConfigException(
                    key + ".url",
                    "Alertmanager's v1 API is gone (since 0.27): give the base URL" + " or one ending with " + API_PATH
                            + ", got '" + Secrets.url(url) + "'");
        }
        if (expiresAfter.isNegative()) {
            throw new ConfigException(key + ".expires-after", "must not be negative, got " + expiresAfter);
        }
        for (int i = 0; i < outputFields.size(); i++) {
            String field = outputFields.get(i);
            if (field == null
                    || field.isBlank()
                    || (!field.equals("*") && LabelNames.fromField(field).isEmpty())) {
                throw new ConfigException(
                        key + ".output-fields[" + i + "]", "not an output field name: '" + field + "'");
            }
        }
        extraLabels.keySet().forEach(name -> {
            if (!LabelNames.valid(name)) {
                throw new ConfigException(
                        key + ".extra-labels." + name,
                        "not a label name (letters, digits and '_', not starting with a digit)");
            }
        });
        Map<Priority, String> severities = new EnumMap<>(AlertmanagerOutput.DEFAULT_SEVERITY);
        severity.forEach((priority, value) -> {
            try {
                severities.put(Priority.parse(priority), value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ".severity." + priority, e.getMessage());
            }
        });
        return new AlertmanagerOutput(this, endpoint(), severities);
    }

    /** The v2 alerts endpoint under {@link #url()}. */
    URI endpoint() {
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        if (path.endsWith(API_PATH)) {
            return url;
        }
        String base = url.toString();
        int query = base.indexOf('?');
        String suffix = query < 0 ? "" : base.substring(query);
        String head = query < 0 ? base : base.substring(0, query);
        while (head.endsWith("/")) {
            head = head.substring(0, head.length() - 1);
        }
        return URI.create(head + API_PATH + suffix);
    }
}
