package dev.peregrine.sidekick.output.influxdb;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Writes each alert as one point, Falcosidekick's: measurement {@code events}; tags {@code rule}
 * (spaces as '_'), {@code priority}, {@code source}, each output field with a text value (spaces
 * as '_'), {@code hostname} and {@code tags} (joined with '_'); one field, {@code value}, the
 * output line. Beyond Falcosidekick, the point carries the alert's time (Falcosidekick lets the
 * server stamp it on arrival): the time the event happened, and a redelivered alert overwrites
 * its own point instead of adding one. Special characters are escaped as line protocol requires
 * (Falcosidekick writes them as they are, which InfluxDB refuses).
 */
final class InfluxdbOutput implements Output {
    /** Tags the point always has; an output field of the same name is left out. */
    private static final Set<String> OWN_TAGS = Set.of("rule", "priority", "source", "hostname", "tags");

    private final InfluxdbConfig config;
    private final URI uri;
    private final HttpSender http;
    private final Map<String, String> headers;

    InfluxdbOutput(InfluxdbConfig config, URI uri) {
        this.config = config;
        this.uri = uri;
        this.http = new HttpSender(config.timeout(), config.tls());
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Accept", "application/json");
        if (config.token() != null && !config.token().isEmpty()) {
            h.put("Authorization", "Token " + config.token());
        } else if (config.username() != null && !config.username().isEmpty()) {
            h.put("Authorization", HttpSender.basicAuth(config.username(), config.password()));
        }
        this.headers = Map.copyOf(h);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(IdempotencyKey.HEADER, alert.uuid());
        http.send(
                "POST",
                uri,
                h,
                "text/plain; charset=utf-8",
                line(alert, config.precision()).getBytes(StandardCharsets.UTF_8));
    }

    /** The alert as one line of line protocol. */
    static String line(Alert alert, String precision) {
        StringBuilder s = new StringBuilder("events");
        tag(s, "rule", alert.rule().replace(' ', '_'));
        tag(s, "priority", alert.priority().falcoName());
        tag(s, "source", alert.source());
        alert.outputFields().forEach((k, v) -> {
            if (v instanceof String text && !OWN_TAGS.contains(k)) {
                tag(s, k, text.replace(' ', '_'));
            }
        });
        tag(s, "hostname", alert.hostname());
        if (!alert.tags().isEmpty()) {
            tag(s, "tags", String.join("_", alert.tags()));
        }
        s.append(" value=\"").append(fieldText(alert.output())).append('"');
        s.append(' ').append(timestamp(alert.time(), precision));
        return s.toString();
    }

    /** A tag, left out when empty: line protocol has no empty tag value. */
    private static void tag(StringBuilder s, String key, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        s.append(',').append(escapeTag(key)).append('=').append(escapeTag(value));
    }

    /** Commas, '=' and spaces escaped; line breaks, which no tag may hold, as spaces. */
    private static String escapeTag(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case ',', '=', ' ' -> out.append('\\').append(c);
                case '\n', '\r' -> out.append("\\ ");
                case '\\' ->
                    out.append(i == s.length() - 1 ? "\\\\" : "\\"); // a trailing one would escape the separator
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A string field: '"' and '\' escaped, line breaks written as \n. */
    private static String fieldText(String s) {
        return s.replace("\\", "\\\\")
                .replace("\"", "\\\"")
                .replace("\n", "\\n")
                .replace("\r", "\\r");
    }

    static long timestamp(Instant t, String precision) {
        return switch (precision) {
            case "s" -> t.getEpochSecond();
            case "ms" -> t.toEpochMilli();
            case "us", "u" -> Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
            default -> Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        };
    }

    @Override
    public void close() {
        http.close();
    }
}
