package dev.peregrine.sidekick.alert;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Falco's JSON alert format (json_output + http_output), read and written. Written with the
 * sidekick's uuid added, which is what Falcosidekick's webhook sends too.
 */
public final class AlertJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Falco writes RFC 3339 with nanoseconds; its ISO-8601 mode writes "+0000" offsets. */
    private static final DateTimeFormatter READ_TIME = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .toFormatter();

    private static final DateTimeFormatter WRITE_TIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 9, 9, true)
            .appendLiteral('Z')
            .toFormatter()
            .withZone(ZoneOffset.UTC);

    private AlertJson() {}

    /**
     * Reads one alert as Falco sends it. A uuid in the body is kept when valid (a Falcosidekick
     * forwarding to us sends one); otherwise one is assigned.
     *
     * @throws AlertRejectedException naming the field and the reason
     */
    public static Alert read(byte[] body, Supplier<Instant> now) {
        if (body.length == 0) {
            throw new AlertRejectedException("empty_body", null, "request body is empty; expected a Falco JSON alert");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new AlertRejectedException("malformed_json", null, "malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new AlertRejectedException("malformed_json", null, "expected a JSON object");
        }
        String rule = requiredText(root, "rule");
        Priority priority;
        try {
            priority = Priority.parse(requiredText(root, "priority"));
        } catch (IllegalArgumentException e) {
            throw new AlertRejectedException("invalid_field", "priority", e.getMessage());
        }
        return new Alert(
                uuid(root),
                time(root, now),
                rule,
                priority,
                optionalText(root, "source"),
                optionalText(root, "output"),
                outputFields(root),
                tags(root),
                optionalText(root, "hostname"),
                root.has("message") ? optionalText(root, "message") : null,
                origin(root));
    }

    public static byte[] write(Alert alert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + alert.output().length() * 2);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            write(alert, g);
        }
        return out.toByteArray();
    }

    /** Writes the alert as one JSON object in Falco's key order (alphabetical), uuid last. */
    public static void write(Alert alert, JsonGenerator g) {
        g.writeStartObject();
        g.writeStringProperty("hostname", alert.hostname());
        if (alert.message() != null) {
            g.writeStringProperty("message", alert.message());
        }
        if (!alert.origin().isEmpty()) {
            g.writeObjectPropertyStart("origin");
            for (Map.Entry<String, String> e : new TreeMap<>(alert.origin()).entrySet()) {
                g.writeStringProperty(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        g.writeStringProperty("output", alert.output());
        g.writeObjectPropertyStart("output_fields");
        for (Map.Entry<String, Object> e : alert.outputFields().entrySet()) {
            g.writeName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
        g.writeStringProperty("priority", alert.priority().falcoName());
        g.writeStringProperty("rule", alert.rule());
        g.writeStringProperty("source", alert.source());
        g.writeArrayPropertyStart("tags");
        for (String t : alert.tags()) {
            g.writeString(t);
        }
        g.writeEndArray();
        g.writeStringProperty("time", formatTime(alert.time()));
        g.writeStringProperty("uuid", alert.uuid());
        g.writeEndObject();
    }

    /** Falco's alert time format: UTC, nanoseconds, "Z". */
    public static String formatTime(Instant time) {
        return WRITE_TIME.format(time);
    }

    private static void writeValue(JsonGenerator g, Object v) {
        switch (v) {
            case null -> g.writeNull();
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i);
            case Double d -> g.writeNumber(d);
            case Boolean b -> g.writeBoolean(b);
            case List<?> list -> {
                g.writeStartArray();
                for (Object o : list) {
                    g.writeString(String.valueOf(o));
                }
                g.writeEndArray();
            }
            default -> g.writeString(v.toString());
        }
    }

    private static String requiredText(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new AlertRejectedException("missing_field", field, "required field is missing");
        }
        if (!n.isString() || n.stringValue().isBlank()) {
            throw new AlertRejectedException("invalid_field", field, "must be a non-empty string");
        }
        return n.stringValue();
    }

    private static String optionalText(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isString()) {
            throw new AlertRejectedException("invalid_field", field, "must be a string");
        }
        return n.stringValue();
    }

    private static String uuid(JsonNode root) {
        JsonNode n = root.get("uuid");
        if (n != null && n.isString()) {
            try {
                return UUID.fromString(n.stringValue()).toString();
            } catch (IllegalArgumentException e) {
                throw new AlertRejectedException("invalid_field", "uuid", "not a UUID: '" + n.stringValue() + "'");
            }
        }
        return UUID.randomUUID().toString();
    }

    private static Instant time(JsonNode root, Supplier<Instant> now) {
        JsonNode n = root.get("time");
        if (n == null || n.isNull()) {
            return now.get();
        }
        if (!n.isString()) {
            throw new AlertRejectedException("invalid_field", "time", "must be an RFC 3339 time string");
        }
        try {
            return READ_TIME.parse(n.stringValue(), t -> t.isSupported(ChronoField.OFFSET_SECONDS)
                    ? Instant.from(t)
                    : java.time.LocalDateTime.from(t).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            throw new AlertRejectedException("invalid_field", "time",
                    "not a Falco time (e.g. 2025-11-20T09:14:02.118734512Z): '" + n.stringValue() + "'");
        }
    }

    private static TreeMap<String, Object> outputFields(JsonNode root) {
        TreeMap<String, Object> fields = new TreeMap<>();
        JsonNode n = root.get("output_fields");
        if (n == null || n.isNull()) {
            return fields;
        }
        if (!n.isObject()) {
            throw new AlertRejectedException("invalid_field", "output_fields", "must be a JSON object");
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            fields.put(e.getKey(), fieldValue("output_fields." + e.getKey(), e.getValue()));
        }
        return fields;
    }

    private static Object fieldValue(String name, JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isString()) {
            return v.stringValue();
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.longValue() : v.asString();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>(v.size());
            for (JsonNode item : v) {
                if (item.isContainer()) {
                    throw new AlertRejectedException("invalid_field", name, "list items must be scalars");
                }
                items.add(item.asString());
            }
            return items;
        }
        throw new AlertRejectedException("invalid_field", name, "nested objects are not supported in output_fields");
    }

    private static List<String> tags(JsonNode root) {
        JsonNode n = root.get("tags");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new AlertRejectedException("invalid_field", "tags", "must be a list of strings");
        }
        List<String> tags = new ArrayList<>(n.size());
        for (JsonNode t : n) {
            if (!t.isString()) {
                throw new AlertRejectedException("invalid_field", "tags", "must be a list of strings");
            }
            tags.add(t.stringValue());
        }
        return tags;
    }

    private static Map<String, String> origin(JsonNode root) {
        JsonNode n = root.get("origin");
        if (n == null || !n.isObject()) {
            return Map.of();
        }
        TreeMap<String, String> origin = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (e.getValue().isString()) {
                origin.put(e.getKey(), e.getValue().stringValue());
            }
        }
        return origin;
    }
}
