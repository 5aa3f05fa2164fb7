package dev.peregrine.detector.alert;

import dev.peregrine.detector.rule.CompiledRule;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeSet;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One rule match formatted as Falco formats it (see {@link AlertFormat}).
 *
 * @param time the event's time, nanoseconds since the epoch
 * @param outputFields every field of the output line, by key in sorted order: numbers as Long,
 *     booleans as Boolean, missing values null, the rest as their text
 */
public record FalcoAlert(
        CompiledRule rule, long time, String hostname, String output, Map<String, Object> outputFields) {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /**
     * The alert as one line of Falco JSON, as Falco prints it with {@code json_output: true}: keys
     * in alphabetical order, output_fields and tags sorted too.
     */
    public String json() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("hostname", hostname);
        root.put("output", output);
        ObjectNode fields = root.putObject("output_fields");
        outputFields.forEach((k, v) -> {
            switch (v) {
                case null -> fields.putNull(k);
                case Long l -> fields.put(k, l);
                case Double d -> fields.put(k, d);
                case Boolean b -> fields.put(k, b);
                default -> fields.put(k, v.toString());
            }
        });
        root.put("priority", rule.priority().display());
        root.put("rule", rule.name());
        root.put("source", rule.source());
        new TreeSet<>(rule.tags()).forEach(root.putArray("tags")::add);
        root.put("time", jsonTime(time));
        return MAPPER.writeValueAsString(root);
    }

    /**
     * The JSON "time" value. Falco always prints nine fraction digits (formats.cpp: ".%09luZ");
     * Instant.toString() would drop trailing zeros and break byte-for-byte equality.
     */
    static String jsonTime(long ts) {
        return SECONDS.format(Instant.ofEpochSecond(0, ts))
                + String.format(".%09dZ", Math.floorMod(ts, 1_000_000_000L));
    }
}
