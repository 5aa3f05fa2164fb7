package dev.peregrine.sidekick.alert;

import java.io.ByteArrayOutputStream;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Falco's JSON alert format (json_output + http_output), read and written. Written with the
 * sidekick's uuid added, which is what Falcosidekick's webhook sends too.
 */
public final class AlertJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /**
     * Falco writes RFC 3339 with nanoseconds; its ISO-8601 mode writes "+0000" offsets. Years
     * have four digits, as strftime's {@code %F} writes them: not ISO's {@code +999999999}.
     */
    private static final DateTimeFormatter READ_TIME = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.YEAR, 4)
            .appendLiteral('-')
            .appendValue(ChronoField.MONTH_OF_YEAR, 2)
            .appendLiteral('-')
            .appendValue(ChronoField.DAY_OF_MONTH, 2)
            .appendLiteral('T')
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart()
            .appendOffset("+HH:MM", "Z")
            .optionalEnd()
            .optionalStart()
            .appendOffset("+HHMM", "Z")
            .optionalEnd()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

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
     * <p>Read as a token stream, not a tree: this runs once per alert on the intake's hot path
     * and once per delivery. A body that is not JSON is reported as such even when a field
     * before the syntax error was already wrong.
     *
     * @throws AlertRejectedException naming the field and the reason
     */
    public static Alert read(byte[] body, Supplier<Instant> now) {
        return receive(body, now).alert();
    }

    /**
     * An alert as received, and whether its uuid came from the sender. Only such a uuid can
     * arrive again (a resend after a lost answer); one assigned here is new by construction.
     */
    public record Received(Alert alert, boolean senderUuid) {}

    /** Like {@link #read}, also saying where the uuid came from. */
    public static Received receive(byte[] body, Supplier<Instant> now) {
        if (body.length == 0) {
            throw new AlertRejectedException("empty_body", null, "request body is empty; expected a Falco JSON alert");
        }
        int bad = AlertText.firstInvalidByte(body);
        if (bad >= 0) {
            throw encodingError(body, bad);
        }
        Fields f = new Fields();
        try (JsonParser p = MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AlertRejectedException("malformed_json", null, "expected a JSON object");
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                p.nextToken();
                f.read(name, p);
            }
            if (p.nextToken() != null) {
                throw new AlertRejectedException("malformed_json", null, "unexpected content after the JSON object");
            }
        } catch (JacksonException e) {
            throw new AlertRejectedException("malformed_json", null, "malformed JSON: " + e.getOriginalMessage());
        }
        return new Received(f.alert(now), f.uuid != null);
    }

    /**
     * A body that is not UTF-8 JSON text, naming the field whose value holds the bad byte when
     * there is one. Found by reading the body again: only refused bodies pay for it.
     */
    private static AlertRejectedException encodingError(byte[] body, int offset) {
        int b = body[offset] & 0xFF;
        String what = b < 0x80
                ? String.format("a raw control byte 0x%02X at byte %d", b, offset)
                : String.format("bytes that are not well-formed UTF-8 (0x%02X...) at byte %d", b, offset);
        String field = fieldAt(body, offset);
        if (field == null) {
            return new AlertRejectedException(
                    "malformed_json", null, "not UTF-8 JSON: " + what + " (Falco sends UTF-8 JSON)");
        }
        return new AlertRejectedException(
                "invalid_field", field, "contains " + what + "; Falco sends UTF-8 without control characters");
    }

    /**
     * The field (output_fields.NAME, origin.NAME, or a top-level name) whose string value holds
     * byte {@code offset}, or null when no value does (the byte is between tokens or in a name).
     */
    private static String fieldAt(byte[] body, int offset) {
        String top = null;
        String nested = null;
        int depth = 0;
        try (JsonParser p = MAPPER.createParser(body)) {
            JsonToken t;
            while ((t = p.nextToken()) != null && p.currentTokenLocation().getByteOffset() <= offset) {
                if (t == JsonToken.PROPERTY_NAME) {
                    if (depth == 1) {
                        top = p.currentName();
                        nested = null;
                    } else if (depth == 2) {
                        nested = p.currentName();
                    }
                } else if (t == JsonToken.VALUE_STRING) {
                    String field = nested == null || depth < 2 ? top : top + "." + nested;
                    try {
                        p.getString(); // reads the string to its end
                    } catch (JacksonException e) {
                        return field; // the decoder stopped on the bad bytes, inside this string
                    }
                    if (p.currentLocation().getByteOffset() > offset) {
                        return field;
                    }
                } else if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                    nested = depth < 2 ? null : nested;
                }
            }
        } catch (JacksonException e) {
            // malformed before reaching the byte
        }
        return null;
    }

    /** What one body said, kept until the whole body is known to be JSON, then checked in a fixed order. */
    private static final class Fields {
        private JsonToken ruleToken;
        private String rule;
        private JsonToken priorityToken;
        private String priority;
        private String uuid;
        private JsonToken timeToken;
        private String time;
        private final Map<String, Object> texts = new HashMap<>(8);
        private TreeMap<String, Object> outputFields = new TreeMap<>();
        private List<String> tags = List.of();
        private Map<String, String> origin = Map.of();
        private boolean hasMessage;
        private AlertRejectedException error;

        void read(String name, JsonParser p) {
            JsonToken t = p.currentToken();
            switch (name) {
                case "rule" -> {
                    ruleToken = t;
                    rule = t == JsonToken.VALUE_STRING ? text("rule", p) : null;
                    p.skipChildren();
                }
                case "priority" -> {
                    priorityToken = t;
                    priority = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    p.skipChildren();
                }
                case "uuid" -> {
                    if (t == JsonToken.VALUE_STRING) {
                        uuid = p.getString();
                    } else if (t != JsonToken.VALUE_NULL) {
                        fail("uuid", "must be a string (a UUID)");
                    }
                    p.skipChildren();
                }
                case "time" -> {
                    timeToken = t;
                    time = t == JsonToken.VALUE_STRING ? p.getString() : null;
                    p.skipChildren();
                }
                case "source", "output", "hostname", "message" -> {
                    hasMessage |= name.equals("message");
                    if (t == JsonToken.VALUE_STRING) {
                        texts.put(name, text(name, p));
                    } else if (t == JsonToken.VALUE_NULL) {
                        texts.remove(name);
                    } else {
                        texts.put(name, t);
                        p.skipChildren();
                    }
                }
                case "output_fields" -> outputFields = outputFields(p);
                case "tags" -> tags = tags(p);
                case "origin" -> origin = origin(p);
                default -> p.skipChildren();
            }
        }

        Alert alert(Supplier<Instant> now) {
            String r = required("rule", ruleToken, rule);
            Priority pr;
            try {
                pr = Priority.fromFalco(required("priority", priorityToken, priority));
            } catch (IllegalArgumentException e) {
                throw new AlertRejectedException("invalid_field", "priority", e.getMessage());
            }
            if (error != null) {
                throw error;
            }
            return new Alert(
                    uuid(),
                    time(now),
                    r,
                    pr,
                    optional("source"),
                    optional("output"),
                    outputFields,
                    tags,
                    optional("hostname"),
                    hasMessage ? optional("message") : null,
                    origin);
        }

        private static String required(String field, JsonToken token, String value) {
            if (token == null || token == JsonToken.VALUE_NULL) {
                throw new AlertRejectedException("missing_field", field, "required field is missing");
            }
            if (value == null || value.isBlank()) {
                throw new AlertRejectedException("invalid_field", field, "must be a non-empty string");
            }
            return value;
        }

        private String optional(String field) {
            Object v = texts.get(field);
            if (v == null) {
                return "";
            }
            if (v instanceof String s) {
                return s;
            }
            throw new AlertRejectedException("invalid_field", field, "must be a string");
        }

        private String uuid() {
            if (uuid == null) {
                return UUID.randomUUID().toString();
            }
            try {
                return UUID.fromString(uuid).toString();
            } catch (IllegalArgumentException e) {
                throw new AlertRejectedException("invalid_field", "uuid", "not a UUID: " + AlertText.quoted(uuid));
            }
        }

        private Instant time(Supplier<Instant> now) {
            if (timeToken == null || timeToken == JsonToken.VALUE_NULL) {
                return now.get();
            }
            if (time == null) {
                throw new AlertRejectedException("invalid_field", "time", "must be an RFC 3339 time string");
            }
            Instant fast = parseUtc(time);
            if (fast != null) {
                return fast;
            }
            try {
                return READ_TIME.parse(
                        time,
                        t -> t.isSupported(ChronoField.OFFSET_SECONDS)
                                ? Instant.from(t)
                                : LocalDateTime.from(t).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                throw new AlertRejectedException(
                        "invalid_field",
                        "time",
                        "not a Falco time (e.g. 2025-11-20T09:14:02.118734512Z): " + AlertText.quoted(time));
            }
        }

        /** Remembers the first problem; the rest of the body is still read to find syntax errors. */
        private void fail(String field, String reason) {
            if (error == null) {
                error = new AlertRejectedException("invalid_field", field, reason);
            }
        }

        /** The current string token, checked as alert text ({@link AlertText}). */
        private String text(String field, JsonParser p) {
            String s = p.getString();
            String problem = AlertText.problem(s);
            if (problem != null) {
                fail(field, problem);
            }
            return s;
        }

        /** A number in a double's range: Falco's are 64-bit integers and doubles. */
        private void checkRange(String field, JsonParser p) {
            if (Double.isInfinite(p.getDoubleValue())) {
                fail(field, "the number " + abbreviate(p.getString()) + " is outside the range of a double");
            }
        }

        private TreeMap<String, Object> outputFields(JsonParser p) {
            TreeMap<String, Object> fields = new TreeMap<>();
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return fields;
            }
            if (t != JsonToken.START_OBJECT) {
                fail("output_fields", "must be a JSON object");
                p.skipChildren();
                return fields;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                String problem = AlertText.problem(name);
                if (problem != null) {
                    fail("output_fields", "a field name " + problem);
                }
                fields.put(name, fieldValue("output_fields." + name, p.nextToken(), p));
            }
            return fields;
        }

        private Object fieldValue(String name, JsonToken t, JsonParser p) {
            switch (t) {
                case VALUE_NULL -> {
                    return null;
                }
                case VALUE_STRING -> {
                    return text(name, p);
                }
                case VALUE_NUMBER_INT -> {
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        checkRange(name, p);
                        return p.getString();
                    }
                    return p.getLongValue();
                }
                case VALUE_NUMBER_FLOAT -> {
                    checkRange(name, p);
                    return p.getDoubleValue();
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return t == JsonToken.VALUE_TRUE;
                }
                case START_ARRAY -> {
                    List<String> items = new ArrayList<>();
                    JsonToken item;
                    while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (item.isStructStart()) {
                            fail(name, "list items must be scalars");
                            p.skipChildren();
                        } else if (item == JsonToken.VALUE_STRING) {
                            items.add(text(name, p));
                        } else {
                            if (item.isNumeric()) {
                                checkRange(name, p);
                            }
                            items.add(item == JsonToken.VALUE_NULL ? "null" : p.getString());
                        }
                    }
                    return items;
                }
                default -> {
                    fail(name, "nested objects are not supported in output_fields");
                    p.skipChildren();
                    return null;
                }
            }
        }

        private List<String> tags(JsonParser p) {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return List.of();
            }
            if (t != JsonToken.START_ARRAY) {
                fail("tags", "must be a list of strings");
                p.skipChildren();
                return List.of();
            }
            List<String> list = new ArrayList<>();
            JsonToken item;
            while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                if (item == JsonToken.VALUE_STRING) {
                    list.add(text("tags", p));
                } else {
                    fail("tags", "must be a list of strings");
                    p.skipChildren();
                }
            }
            return list;
        }

        /** Where a forwarding sidekick or detector says the alert came from: names to strings. */
        private Map<String, String> origin(JsonParser p) {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return Map.of();
            }
            if (t != JsonToken.START_OBJECT) {
                fail("origin", "must be a JSON object of strings");
                p.skipChildren();
                return Map.of();
            }
            TreeMap<String, String> origin = new TreeMap<>();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                String problem = AlertText.problem(name);
                if (problem != null) {
                    fail("origin", "a name " + problem);
                }
                if (p.nextToken() == JsonToken.VALUE_STRING) {
                    origin.put(name, text("origin." + name, p));
                } else {
                    fail("origin." + name, "must be a string");
                    p.skipChildren();
                }
            }
            return origin;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    public static byte[] write(Alert alert) {
        ByteArrayOutputStream out =
                new ByteArrayOutputStream(512 + alert.output().length() * 2);
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

    /**
     * The form Falco sends, {@code 2025-11-20T09:14:02.118734512Z}, read without the general
     * formatter, which cost as much as the rest of reading an alert; null for any other form.
     */
    static Instant parseUtc(String s) {
        int n = s.length();
        if (n < 20
                || n > 30
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':'
                || s.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int nanos = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n == 21) {
                return null;
            }
            int fraction = digits(s, 20, n - 1);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = n - 1 - 20; i < 9; i++) {
                nanos *= 10;
            }
        } else if (s.charAt(19) != 'Z') {
            return null;
        }
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        try {
            long days = LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The decimal number in s[from, to), or -1 if any of it is not a digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
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
}
