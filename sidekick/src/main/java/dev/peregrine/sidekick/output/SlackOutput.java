package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
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
    static final Map<Priority, String> COLORS = new EnumMap<>(Map.of(
            Priority.EMERGENCY, "#e20b0b",
            Priority.ALERT, "#ff5400",
            Priority.CRITICAL, "#ff5400",
            Priority.ERROR, "#e20b0b",
            Priority.WARNING, "#ffc700",
            Priority.NOTICE, "#5bffb5",
            Priority.INFORMATIONAL, "#68c2ff",
            Priority.DEBUG, "#ccfff2"));

    /** Fields shorter than this (in characters) are laid out two per row, as Falcosidekick does. */
    private static final int SHORT_FIELD = 36;

    /**
     * The time field as Falcosidekick shows it (Go's time.String()): "2025-11-20 09:14:02.118734512
     * +0000 UTC", trailing zeros of the fraction dropped.
     */
    static final DateTimeFormatter SLACK_TIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendLiteral(" +0000 UTC")
            .toFormatter(Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /**
     * Not HTML, so no auto-escaping. Newlines kept as written (Pebble would drop the one after
     * every tag), as Falcosidekick's Go templates do; {@code {{- -}}} trims where wanted. A string
     * loader so a template is only its own text ({@code include} cannot read files). No cache:
     * each output holds its compiled template.
     */
    private static final PebbleEngine TEMPLATES = new PebbleEngine.Builder()
            .loader(new StringLoader())
            .autoEscaping(false)
            .newLineTrimming(false)
            .cacheActive(false)
            .build();

    /** {@code {{ .Rule }}}: a SLACK_MESSAGEFORMAT carried over from Falcosidekick unchanged. */
    private static final Pattern GO_TEMPLATE = Pattern.compile("\\{\\{-?\\s*(index\\s+)?\\.[A-Z]");

    private final String name;
    private final SlackConfig config;
    private final PebbleTemplate template;
    private final boolean withFields;
    private final boolean withText;
    private final HttpSender http;

    SlackOutput(String name, SlackConfig config, PebbleTemplate template) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.withFields = !config.outputFormat().equals("text");
        this.withText = !config.outputFormat().equals("fields");
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    /**
     * Compiles a message template.
     *
     * @param key the full configuration key, named in the error
     * @throws ConfigException when the template does not parse
     */
    static PebbleTemplate compile(String key, String source) {
        try {
            return TEMPLATES.getLiteralTemplate(source);
        } catch (PebbleException e) {
            String at = e.getLineNumber() == null ? "" : " at line " + e.getLineNumber();
            String hint = GO_TEMPLATE.matcher(source).find()
                    ? " (this looks like a Falcosidekick Go template: write {{ rule }} for {{ .Rule }},"
                            + " {{ output_fields[\"proc.name\"] }} for {{ index .OutputFields \"proc.name\" }})"
                    : "";
            throw new ConfigException(key, "template error" + at + ": " + e.getPebbleMessage() + hint);
        }
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send("POST", config.webhookUrl(), Map.of(), "application/json", JSON.writeValueAsBytes(payload(alert)));
    }

    ObjectNode payload(Alert alert) {
        ObjectNode attachment = JSON.createObjectNode();
        attachment.put("fallback", alert.output());
        attachment.put("color", COLORS.get(alert.priority()));
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
        StringWriter out = new StringWriter();
        try {
            template.evaluate(out, model(alert), Locale.ROOT);
            return out.toString();
        } catch (IOException | RuntimeException e) { // PebbleException, or a filter's own
            log.warn("output {}: message-format failed on alert {}, posting without text: {}", name, alert.uuid(), e.getMessage());
            return null;
        }
    }

    /** What a template sees: every alert field under its Falco JSON name. */
    static Map<String, Object> model(Alert alert) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", alert.uuid());
        m.put("time", AlertJson.formatTime(alert.time()));
        m.put("rule", alert.rule());
        m.put("priority", alert.priority().falcoName());
        m.put("source", alert.source());
        m.put("hostname", alert.hostname());
        m.put("output", alert.output());
        m.put("tags", alert.tags());
        m.put("output_fields", alert.outputFields());
        return m;
    }

    @Override
    public void close() {
        http.close();
    }
}
