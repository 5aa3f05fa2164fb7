package dev.peregrine.sidekick.template;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * A <a href="https://pebbletemplates.io/">Pebble</a> template over one alert: the one place
 * where outputs compile and render user templates (Slack's message-format, the email subject and
 * bodies, a Kafka key, a NATS subject, ...).
 *
 * <ul>
 *   <li>{@link #compile} at startup: a syntax error is a {@link ConfigException} naming the full
 *       configuration key and the template's line.
 *   <li>{@link #model}: what every template sees, each alert field under its Falco JSON name.
 *   <li>Filters on top of Pebble's own: {@code color} and {@code emoji} (of a priority),
 *       {@code json} (any value as a JSON literal).
 * </ul>
 *
 * <p>Not HTML, unless compiled with {@link #compileHtml}: no auto-escaping. Newlines are kept as
 * written (Pebble would drop the one after every tag), as Falcosidekick's Go templates do;
 * {@code {{- -}}} trims where wanted. A string loader, so a template is only its own text
 * ({@code include} cannot read files). Thread-safe: one compiled template serves every send.
 */
public final class AlertTemplate {

    /**
     * Falcosidekick's colour sets per priority: its chat outputs (Slack, Mattermost, Rocket.Chat)
     * use one, its mail and Teams outputs another, Discord a third, as decimal RGB.
     */
    public enum Palette {
        /** Slack, Mattermost, Rocket.Chat: {@code #rrggbb}. */
        CHAT(Map.of(
                Priority.EMERGENCY, "#e20b0b",
                Priority.ALERT, "#ff5400",
                Priority.CRITICAL, "#ff5400",
                Priority.ERROR, "#e20b0b",
                Priority.WARNING, "#ffc700",
                Priority.NOTICE, "#5bffb5",
                Priority.INFORMATIONAL, "#68c2ff",
                Priority.DEBUG, "#ccfff2")),
        /** SMTP and Teams: {@code #rrggbb}, one step per priority. */
        MAIL(Map.of(
                Priority.EMERGENCY, "#e20b0b",
                Priority.ALERT, "#ff5400",
                Priority.CRITICAL, "#ff9000",
                Priority.ERROR, "#ffc700",
                Priority.WARNING, "#ffff00",
                Priority.NOTICE, "#5bffb5",
                Priority.INFORMATIONAL, "#68c2ff",
                Priority.DEBUG, "#ccfff2")),
        /** Discord: decimal RGB, Discord's own named colours. */
        DISCORD(Map.of(
                Priority.EMERGENCY, "15158332",
                Priority.ALERT, "11027200",
                Priority.CRITICAL, "15105570",
                Priority.ERROR, "15844367",
                Priority.WARNING, "12745742",
                Priority.NOTICE, "3066993",
                Priority.INFORMATIONAL, "3447003",
                Priority.DEBUG, "12370112"));

        private final Map<Priority, String> colors;

        Palette(Map<Priority, String> colors) {
            this.colors = new EnumMap<>(colors);
        }

        public String color(Priority priority) {
            return colors.get(priority);
        }
    }

    /** Falcosidekick's emoji per priority (its Cliq output's). */
    private static final Map<Priority, String> EMOJI = new EnumMap<>(Map.of(
            Priority.EMERGENCY, "\uD83D\uDEA8", // 🚨
            Priority.ALERT, "\uD83D\uDFE0", // 🟠
            Priority.CRITICAL, "\uD83D\uDFE0", // 🟠
            Priority.ERROR, "\uD83D\uDEA8", // 🚨
            Priority.WARNING, "\uD83D\uDFE1", // 🟡
            Priority.NOTICE, "\uD83D\uDD35", // 🔵
            Priority.INFORMATIONAL, "\uD83D\uDFE2", // 🟢
            Priority.DEBUG, "\u26AA")); // ⚪

    public static String emoji(Priority priority) {
        return EMOJI.get(priority);
    }

    /**
     * Time as Falcosidekick shows it in chat messages (Go's time.String() in UTC):
     * "2025-11-20 09:14:02.118734512 +0000 UTC", trailing zeros of the fraction dropped.
     */
    public static final DateTimeFormatter GO_TIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendLiteral(" +0000 UTC")
            .toFormatter(Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final PebbleEngine PLAIN = engine(false);
    private static final PebbleEngine HTML = engine(true);

    /** {@code {{ .Rule }}}: a Falcosidekick Go template carried over unchanged. */
    private static final Pattern GO_TEMPLATE = Pattern.compile("\\{\\{-?\\s*(index\\s+\\.|\\.[A-Z])");

    private final PebbleTemplate template;

    private AlertTemplate(PebbleTemplate template) {
        this.template = template;
    }

    private static PebbleEngine engine(boolean html) {
        return new PebbleEngine.Builder()
                .loader(new StringLoader())
                .autoEscaping(html)
                .defaultEscapingStrategy("html")
                .newLineTrimming(false)
                .cacheActive(false)
                .extension(new Filters())
                .build();
    }

    /**
     * Compiles a template whose output is plain text.
     *
     * @param key the full configuration key, named in the error
     * @throws ConfigException when the template does not parse, naming the key and the line
     */
    public static AlertTemplate compile(String key, String source) {
        return compile(PLAIN, key, source);
    }

    /** As {@link #compile}, for an optional setting: null for none (null or blank). */
    public static AlertTemplate compileOptional(String key, String source) {
        return source == null || source.isBlank() ? null : compile(key, source);
    }

    /** As {@link #compile}, with every printed value HTML-escaped (for an HTML mail body). */
    public static AlertTemplate compileHtml(String key, String source) {
        return compile(HTML, key, source);
    }

    private static AlertTemplate compile(PebbleEngine engine, String key, String source) {
        try {
            return new AlertTemplate(engine.getLiteralTemplate(source));
        } catch (PebbleException e) {
            String at = e.getLineNumber() == null ? "" : " at line " + e.getLineNumber();
            String hint = GO_TEMPLATE.matcher(source).find()
                    ? " (this looks like a Falcosidekick Go template: write {{ rule }} for {{ .Rule }},"
                            + " {{ output_fields[\"proc.name\"] }} for {{ index .OutputFields \"proc.name\" }})"
                    : "";
            throw new ConfigException(key, "template error" + at + ": " + e.getPebbleMessage() + hint);
        }
    }

    /** Renders over {@link #model(Alert)}. */
    public String render(Alert alert) throws RenderException {
        return render(model(alert));
    }

    /**
     * Renders over a model of the caller's (usually {@link #model(Alert)} plus output-specific
     * variables).
     *
     * @throws RenderException when the template fails on these values (a filter given a value of
     *     the wrong type, an unknown filter: Pebble only finds those when rendering)
     */
    public String render(Map<String, Object> model) throws RenderException {
        StringWriter out = new StringWriter();
        try {
            template.evaluate(out, model, Locale.ROOT);
        } catch (IOException | RuntimeException e) { // PebbleException, or a filter's own
            throw new RenderException(e.getMessage(), e);
        }
        return out.toString();
    }

    /**
     * What a template sees: every alert field under its Falco JSON name. {@code priority} is
     * Falco's spelling ({@code Warning}), {@code time} Falco's text, {@code tags} a sorted list,
     * {@code output_fields} a map by field name (text, numbers, booleans, lists or null). A fresh,
     * mutable map: callers may add their own variables.
     */
    public static Map<String, Object> model(Alert alert) {
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

    /** A template failed on one alert; what that costs is the output's choice. */
    public static final class RenderException extends Exception {
        RenderException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The filters every template has on top of Pebble's own. */
    private static final class Filters extends AbstractExtension {
        @Override
        public Map<String, Filter> getFilters() {
            return Map.of(
                    "color",
                            new PriorityFilter(List.of("palette")) {
                                @Override
                                Object apply(Priority priority, Map<String, Object> args) {
                                    Object palette = args.get("palette");
                                    String name = palette == null ? "chat" : palette.toString();
                                    try {
                                        return Palette.valueOf(name.toUpperCase(Locale.ROOT))
                                                .color(priority);
                                    } catch (IllegalArgumentException e) {
                                        throw new IllegalArgumentException("color: unknown palette '" + name
                                                + "'; expected chat, mail or discord");
                                    }
                                }
                            },
                    "emoji",
                            new PriorityFilter(List.of()) {
                                @Override
                                Object apply(Priority priority, Map<String, Object> args) {
                                    return emoji(priority);
                                }
                            },
                    "json", new JsonFilter());
        }
    }

    /** {@code {{ priority | color }}}: the input is a priority name, as in {@link #model}. */
    private abstract static class PriorityFilter implements Filter {
        private final List<String> arguments;

        PriorityFilter(List<String> arguments) {
            this.arguments = arguments;
        }

        @Override
        public List<String> getArgumentNames() {
            return arguments;
        }

        @Override
        public Object apply(
                Object input,
                Map<String, Object> args,
                PebbleTemplate self,
                EvaluationContext context,
                int lineNumber) {
            if (input == null) {
                return null;
            }
            return apply(Priority.parse(input.toString()), args);
        }

        abstract Object apply(Priority priority, Map<String, Object> args);
    }

    /**
     * {@code {{ output | json }}}: the value as a JSON literal ({@code "text"} with its quotes,
     * numbers, lists, maps, {@code null}), for templates that build JSON.
     */
    private static final class JsonFilter implements Filter {
        @Override
        public List<String> getArgumentNames() {
            return List.of();
        }

        @Override
        public Object apply(
                Object input,
                Map<String, Object> args,
                PebbleTemplate self,
                EvaluationContext context,
                int lineNumber) {
            return JSON.writeValueAsString(input);
        }
    }
}
