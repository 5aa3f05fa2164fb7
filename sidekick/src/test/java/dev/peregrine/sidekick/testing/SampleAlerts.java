package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The project's sample Falco alerts (test resource falco/sample_alerts.jsonl), as Falco sends them. */
public final class SampleAlerts {
    /** One JSON document per line, in file order. */
    public static final List<String> LINES = read();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SampleAlerts() {}

    /** Sample {@code i} as the sidekick reads it from Falco (a fresh uuid each call). */
    public static Alert alert(int i) {
        return AlertJson.read(LINES.get(i).getBytes(StandardCharsets.UTF_8), Instant::now);
    }

    /** Sample {@code i}'s Falco JSON with the uuid of {@code alert}: what an output that forwards Falco's JSON sends. */
    public static ObjectNode falcoJson(int i, Alert alert) {
        ObjectNode falco = (ObjectNode) JSON.readTree(LINES.get(i));
        falco.put("uuid", alert.uuid());
        return falco;
    }

    /** Sample {@code i}'s "output" line exactly as Falco sent it, read independently of AlertJson. */
    public static String output(int i) {
        return JSON.readTree(LINES.get(i)).get("output").stringValue();
    }

    private static List<String> read() {
        try (InputStream in = SampleAlerts.class.getResourceAsStream("/falco/sample_alerts.jsonl")) {
            return new String(
                            Objects.requireNonNull(in, "falco/sample_alerts.jsonl")
                                    .readAllBytes(),
                            StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
