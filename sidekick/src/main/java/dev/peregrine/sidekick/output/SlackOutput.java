package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to a Slack incoming webhook as Falcosidekick does: one attachment coloured by
 * priority, with Falco's output line and/or a field per rule, priority, source, hostname, tags,
 * string output field and time, and an optional templated text above it.
 */
final class SlackOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(SlackOutput.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Falcosidekick's colours, so a channel keeps its look. */
    static final AlertTemplate.Palette COLORS = AlertTemplate.Palette.CHAT;

    /** Fields shorter than this (in characters) are laid out two per row, as Falcosidekick does. */
    private static final int SHORT_FIELD = 36;

    /** The time field as Falcosidekick shows it (Go's time.String()). */
    static final DateTimeFormatter SLACK_TIME = AlertTemplate.GO_TIME;

    private final String name;
    private final SlackConfig config;
    private final AlertTemplate template;
    private final boolean withFields;
    private final boolean withText;
    private final HttpSender http;

    SlackOutput(String name, SlackConfig config, AlertTemplate template) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.withFields = !config.outputFormat().equals("text");
        this.withText = !config.outputFormat().equals("fields");
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send("POST", config.webhookUrl(), Map.of(), "application/json", JSON.writeValueAsBytes(payload(alert)));
    }

    ObjectNode payload(Alert alert) {
        ObjectNode attachment = JSON.createObjectNode();
        attachment.put("fallback", alert.output());
        attachment.put("color", COLORS.color(alert.priority()));
        if (withText) {
            attachment.put("text", alert.output());
        }
        if (withFields) {
            ArrayNode fields = attachment.putArray("fields");
            field(fields, "rule", alert.rule(), true);
            field(fields, "priority", alert.priority().falcoName(), true);
            field(fields, "source", alert.source(), true);
            if (!alert.hostname().isEmpty()) {
                field(fields, "hostname", alert.hostname(), true);
            }
            if (!alert.tags().isEmpty()) {
                field(fields, "tags", String.join(", ", alert.tags()), true);
            }
            // Only text values, as Falcosidekick: numbers, lists and <NA> are in the output line.
            alert.outputFields().forEach((key, value) -> {
                if (value instanceof String s) {
                    field(fields, key, s, s.codePointCount(0, s.length()) < SHORT_FIELD);
                }
            });
            field(fields, "time", SLACK_TIME.format(alert.time()), false);
            putIfPresent(attachment, "footer", config.footer());
        }

        ObjectNode payload = JSON.createObjectNode();
        putIfPresent(payload, "text", render(alert));
        putIfPresent(payload, "username", config.username());
        putIfPresent(payload, "icon_url", config.icon());
        putIfPresent(payload, "channel", config.channel());
        payload.putArray("attachments").add(attachment);
        return payload;
    }

    private static void field(ArrayNode fields, String title, String value, boolean isShort) {
        fields.addObject().put("title", title).put("value", value).put("short", isShort);
    }

    private static void putIfPresent(ObjectNode node, String name, String value) {
        if (value != null && !value.isBlank()) {
            node.put(name, value);
        }
    }

    /**
     * The message text, or null. A template that fails on this alert (a filter given the wrong
     * type, say) costs the text, not the alert: it is posted without, as Falcosidekick does.
     */
    private String render(Alert alert) {
        if (template == null) {
            return null;
        }
        try {
            return template.render(alert);
        } catch (AlertTemplate.RenderException e) {
            log.warn("output {}: message-format failed on alert {}, posting without text: {}", name, alert.uuid(), e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
