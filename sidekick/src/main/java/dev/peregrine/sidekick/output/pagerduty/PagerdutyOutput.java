package dev.peregrine.sidekick.output.pagerduty;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends each alert to PagerDuty's Events API v2 as a trigger event. PagerDuty answers 202 when it
 * took the event; 400 (an invalid event) is permanent, 429 (rate limited) and 5xx are retried.
 */
final class PagerdutyOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(PagerdutyOutput.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** PagerDuty's four severities by Falco priority. */
    static final Map<Priority, String> DEFAULT_SEVERITY = new EnumMap<>(Map.of(
            Priority.EMERGENCY, "critical",
            Priority.ALERT, "critical",
            Priority.CRITICAL, "critical",
            Priority.ERROR, "error",
            Priority.WARNING, "warning",
            Priority.NOTICE, "info",
            Priority.INFORMATIONAL, "info",
            Priority.DEBUG, "info"));

    /** Falcosidekick's: every alert critical. */
    static final Map<Priority, String> FALCOSIDEKICK_SEVERITY = new EnumMap<>(Priority.class);

    static {
        for (Priority p : Priority.values()) {
            FALCOSIDEKICK_SEVERITY.put(p, "critical");
        }
    }

    /** The Events API's limits. */
    static final int MAX_SUMMARY = 1024;

    static final int MAX_DEDUP_KEY = 255;

    private final String name;
    private final PagerdutyConfig config;
    private final URI endpoint;
    private final Map<Priority, String> severity;
    private final AlertTemplate summary;
    private final AlertTemplate dedupKey;
    private final HttpSender http;
    private final boolean falcosidekick;

    /**
     * @param falcosidekick Falcosidekick's event: source {@code falco}, the time in whole seconds,
     *     the output fields (and hostname) as custom details, nothing else
     */
    PagerdutyOutput(
            String name,
            PagerdutyConfig config,
            URI endpoint,
            Map<Priority, String> severity,
            AlertTemplate summary,
            AlertTemplate dedupKey,
            boolean falcosidekick) {
        this.falcosidekick = falcosidekick;
        this.name = name;
        this.config = config;
        this.endpoint = endpoint;
        this.severity = Map.copyOf(severity);
        this.summary = summary;
        this.dedupKey = dedupKey;
        this.http = new HttpSender(config.timeout(), config.tls());
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(IdempotencyKey.HEADER, alert.uuid());
        http.send("POST", endpoint, h, "application/json", JSON.writeValueAsBytes(event(alert)));
    }

    ObjectNode event(Alert alert) {
        ObjectNode e = JSON.createObjectNode();
        e.put("routing_key", config.routingKey());
        e.put("event_action", "trigger");
        String key = dedupKey == null
                ? ""
                : render(dedupKey, "dedup-key-template", alert, "").trim();
        e.put("dedup_key", key.isEmpty() ? alert.uuid() : truncate(key, MAX_DEDUP_KEY, ""));
        ObjectNode p = e.putObject("payload");
        String text = summary == null
                ? alert.output()
                : render(summary, "summary-template", alert, alert.output()).strip();
        p.put("summary", truncate(text.isEmpty() ? alert.rule() : text, MAX_SUMMARY, "..."));
        if (falcosidekick) {
            p.put("source", "falco");
            p.put("severity", severity.get(alert.priority()));
            p.put("timestamp", RFC3339_SECONDS.format(alert.time()));
            ObjectNode details = p.putObject("custom_details");
            alert.outputFields().forEach((k, v) -> details.set(k, JSON.valueToTree(v)));
            if (!alert.hostname().isEmpty()) {
                details.put("hostname", alert.hostname());
            }
            return e;
        }
        p.put("source", alert.hostname().isEmpty() ? "falco" : alert.hostname());
        p.put("severity", severity.get(alert.priority()));
        p.put("timestamp", AlertJson.formatTime(alert.time()));
        String container = text(alert, "container.name");
        if (container != null && !container.equals("host")) {
            p.put("component", container);
        }
        String namespace = text(alert, "k8s.ns.name");
        if (namespace != null) {
            p.put("group", namespace);
        }
        p.put("class", alert.rule());
        ObjectNode details = p.putObject("custom_details");
        details.put("rule", alert.rule());
        details.put("priority", alert.priority().falcoName());
        details.put("source", alert.source());
        details.put("hostname", alert.hostname());
        details.put("tags", String.join(", ", alert.tags()));
        details.put("uuid", alert.uuid());
        alert.outputFields().forEach((k, v) -> details.set(k, JSON.valueToTree(v)));
        e.put("client", "Peregrine");
        return e;
    }

    /** Go's time.RFC3339, as Falcosidekick formats the timestamp: whole seconds. */
    static final DateTimeFormatter RFC3339_SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX").withZone(ZoneOffset.UTC);

    private static String text(Alert alert, String field) {
        Object v = alert.outputFields().get(field);
        return v == null || v instanceof List<?> || v.toString().isEmpty() ? null : v.toString();
    }

    /**
     * A template's text, or {@code fallback} when it fails on this alert: a template mistake costs
     * the custom text, never the page (logged).
     */
    private String render(AlertTemplate template, String key, Alert alert, String fallback) {
        try {
            return template.render(alert);
        } catch (AlertTemplate.RenderException ex) {
            log.warn(
                    "output {}: {} failed on alert {}, sending the default instead: {}",
                    name,
                    key,
                    alert.uuid(),
                    ex.getMessage());
            return fallback;
        }
    }

    /** At most {@code max} characters, {@code ellipsis} included, without splitting a surrogate pair. */
    static String truncate(String s, int max, String ellipsis) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - ellipsis.length();
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + ellipsis;
    }

    @Override
    public void close() {
        http.close();
    }
}
