package dev.peregrine.sidekick.output.pagerduty;

import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * PagerDuty, through the Events API v2 ({@code POST /v2/enqueue}): each alert a {@code trigger}
 * event whose {@code dedup_key} is the alert's uuid (or a template), so a redelivered alert does
 * not open a second incident.
 *
 * @param routingKey the integration key of an Events API v2 integration
 * @param region {@code us} or {@code eu}: which PagerDuty endpoint
 * @param url the endpoint, instead of the region's (a proxy, a test)
 * @param summaryTemplate a template ({@link AlertTemplate}) for {@code payload.summary}; default Falco's output line
 * @param dedupKeyTemplate a template for {@code dedup_key}, to fold alerts into one incident
 *     (e.g. {@code {{ rule }}@{{ hostname }}}); default the alert's uuid
 * @param severity overrides of the PagerDuty severity per Falco priority, e.g. {@code notice: warning};
 *     by default every alert is {@code critical}, as Falcosidekick sends it, or with Peregrine's
 *     payloads critical, error, warning or info by priority
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a proxy with a private CA
 */
@OutputType("pagerduty")
@FalcosidekickOutput(
        value = "pagerduty",
        keys = {"routingkey: routing-key", "region"})
public record PagerdutyConfig(
        @NotBlank String routingKey,

        @DefaultValue("us") @Pattern(regexp = "(?i)us|eu", message = "must be us or eu")
        String region,

        URI url,
        String summaryTemplate,
        String dedupKeyTemplate,
        @DefaultValue Map<String, String> severity,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    static final URI US = URI.create("https://events.pagerduty.com/v2/enqueue");
    static final URI EU = URI.create("https://events.eu.pagerduty.com/v2/enqueue");
    static final Set<String> SEVERITIES = Set.of("critical", "error", "warning", "info");

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        URI endpoint = url != null ? url : region.equalsIgnoreCase("eu") ? EU : US;
        if (url != null) {
            HttpSender.checkUrl(key + ".url", url);
        }
        Map<Priority, String> severities = new EnumMap<>(
                context.falcosidekick() ? PagerdutyOutput.FALCOSIDEKICK_SEVERITY : PagerdutyOutput.DEFAULT_SEVERITY);
        severity.forEach((priority, value) -> {
            Priority p;
            try {
                p = Priority.parse(priority);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ".severity." + priority, e.getMessage());
            }
            String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
            if (!SEVERITIES.contains(v)) {
                throw new ConfigException(
                        key + ".severity." + priority,
                        "must be critical, error, warning or info," + " got '" + value + "'");
            }
            severities.put(p, v);
        });
        AlertTemplate summary = AlertTemplate.compileOptional(key + ".summary-template", summaryTemplate);
        AlertTemplate dedupKey = AlertTemplate.compileOptional(key + ".dedup-key-template", dedupKeyTemplate);
        return new PagerdutyOutput(
                context.name(), this, endpoint, severities, summary, dedupKey, context.falcosidekick());
    }
}
