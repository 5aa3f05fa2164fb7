package dev.peregrine.sidekick.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The payloads Falcosidekick's own tests ({@code outputs/*_test.go}) expect, ported as JSON under
 * {@code src/test/resources/falcosidekick/expected/} (each file names its test), and the alert
 * they expect them for. An output with Falcosidekick's payloads (the default) must send the same,
 * field for field; the differences that remain are named where a test allows them, and listed in
 * docs/falcosidekick-differences.md.
 */
public final class FalcosidekickPayloads {
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private FalcosidekickPayloads() {}

    private static String resource(String name) {
        try (InputStream in = FalcosidekickPayloads.class.getResourceAsStream("/falcosidekick/expected/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource falcosidekick/expected/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Falcosidekick's test input, {@code input.json}, as the sidekick reads it from Falco. */
    public static Alert input() {
        return read(resource("input.json"));
    }

    /** The input of an expectation that has its own ({@code "input"}), or of {@code file}. */
    public static Alert inputOf(String name) {
        JsonNode file = JSON.readTree(resource(name));
        return file.has("input") ? read(JSON.writeValueAsString(file.get("input"))) : read(resource(name));
    }

    private static Alert read(String falcoJson) {
        return AlertJson.read(falcoJson.getBytes(StandardCharsets.UTF_8), Instant::now);
    }

    /**
     * The payload a Falcosidekick test expects: the file, or its {@code "expected"} when it has its
     * own {@code "input"}, without the "//" note.
     */
    public static JsonNode expected(String name) {
        JsonNode file = JSON.readTree(resource(name));
        JsonNode payload = file.has("expected") ? file.get("expected") : file;
        if (payload instanceof ObjectNode o) {
            o.remove("//");
        }
        return payload;
    }

    /**
     * Builds the output bound from {@code properties} (as a user writes them), sends the alert to
     * {@code server}, and returns the body it sent, parsed. Every HTTP output sends the alert's
     * uuid as Idempotency-Key, as docs/configuration.md says.
     */
    public static JsonNode sent(RecordingHttpServer server, Map<String, Object> properties, Alert alert)
            throws Exception {
        ConfiguredOutput configured = ConfiguredOutputs.bind(properties).getFirst();
        assertThat(configured.context().falcosidekick())
                .as("Falcosidekick's payloads by default")
                .isTrue();
        try (Output out = configured.config().create(configured.context())) {
            out.send(alert);
        }
        RecordingHttpServer.Request request = server.requests().getLast();
        assertThat(request.header(IdempotencyKey.HEADER)).isEqualTo(alert.uuid());
        return JSON.readTree(request.body());
    }
}
