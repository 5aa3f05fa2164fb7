package dev.peregrine.sidekick.output.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Elasticsearch output against a loopback server that answers the bulk API as Elasticsearch
 * does: it parses the NDJSON, keeps documents by index and id, answers {@code create} of an
 * existing id with 409 in the item, and can be told to fail items or whole requests.
 */
class ElasticsearchOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("es", "peregrine.outputs.es");

    /** Plays Elasticsearch's {@code POST /_bulk}. */
    static final class FakeElasticsearch implements AutoCloseable {
        final RecordingHttpServer server = new RecordingHttpServer();
        /** index/_id → document */
        final Map<String, JsonNode> documents = new ConcurrentHashMap<>();

        volatile int httpStatus = 200;
        /** When set, every item fails with this status and error type. */
        volatile int itemStatus;

        volatile String itemError;

        FakeElasticsearch() {
            server.respond(request -> {
                int status = httpStatus;
                String answer = status != 200
                        ? "{\"error\":{\"type\":\"failing_on_purpose\"},\"status\":%d}".formatted(status)
                        : bulk(request.body());
                return new RecordingHttpServer.Answer(status, Map.of("Content-Type", "application/json"), answer);
            });
        }

        /** Every request, whatever it was answered. */
        List<RecordingHttpServer.Request> requests() {
            return server.received();
        }

        /** Elasticsearch's bulk semantics for create, as its answer. */
        String bulk(String body) {
            assertThat(body).endsWith("\n");
            String[] lines = body.split("\n");
            ObjectNode answer = JSON.createObjectNode();
            answer.put("took", 3);
            var items = answer.putArray("items");
            boolean errors = false;
            for (int i = 0; i < lines.length; i += 2) {
                JsonNode create = JSON.readTree(lines[i]).get("create");
                String index = create.get("_index").stringValue();
                String id = create.get("_id").stringValue();
                ObjectNode item = items.addObject().putObject("create");
                item.put("_index", index).put("_id", id);
                if (itemStatus != 0) {
                    item.put("status", itemStatus);
                    item.putObject("error").put("type", itemError).put("reason", "failing on purpose");
                    errors = true;
                } else if (documents.putIfAbsent(index + "/" + id, JSON.readTree(lines[i + 1])) != null) {
                    item.put("status", 409);
                    item.putObject("error")
                            .put("type", "version_conflict_engine_exception")
                            .put("reason", "[" + id + "]: version conflict, document already exists");
                    errors = true;
                } else {
                    item.put("_version", 1).put("result", "created").put("status", 201);
                }
            }
            answer.put("errors", errors);
            return answer.toString();
        }

        URI uri() {
            return server.base();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    final FakeElasticsearch es;

    ElasticsearchOutputTest() {
        es = new FakeElasticsearch();
    }

    @AfterEach
    void stop() {
        es.close();
    }

    static ElasticsearchConfig config(
            URI url,
            String index,
            String suffix,
            String username,
            String password,
            String apiKey,
            boolean flatten,
            String pipeline) {
        return new ElasticsearchConfig(
                url,
                index,
                suffix,
                username,
                password,
                apiKey,
                flatten,
                pipeline,
                Map.of(),
                Duration.ofSeconds(5),
                TlsConfig.NONE);
    }

    ElasticsearchConfig plain() {
        return config(es.uri(), "falco", "daily", null, null, null, false, null);
    }

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    static void send(ElasticsearchConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
    }

    @Test
    void postsEachAlertToTheBulkApiAsACreateWithTheUuidAsId() throws Exception {
        try (Output out = plain().create(CONTEXT)) {
            for (int i = 0; i < SampleAlerts.LINES.size(); i++) {
                Alert alert = sample(i);
                out.send(alert);

                RecordingHttpServer.Request r = es.requests().getLast();
                assertThat(r.path()).isEqualTo("/_bulk");
                assertThat(r.query()).isNull();
                assertThat(r.header("Content-Type")).isEqualTo("application/x-ndjson");
                assertThat(r.header("Idempotency-Key")).isEqualTo(alert.uuid());
                assertThat(r.header("Authorization")).isNull();
                String[] lines = r.body().split("\n", -1);
                assertThat(lines).hasSize(3);
                assertThat(lines[2]).isEmpty(); // the body ends with a newline
                String index =
                        "falco-" + alert.time().toString().substring(0, 10).replace('-', '.');
                assertThat(lines[0])
                        .isEqualTo("{\"create\":{\"_index\":\"" + index + "\",\"_id\":\"" + alert.uuid() + "\"}}");
                ObjectNode falco = (ObjectNode) JSON.readTree(SampleAlerts.LINES.get(i));
                falco.put("uuid", alert.uuid());
                assertThat(JSON.readTree(lines[1])).isEqualTo(falco);
                assertThat(es.documents.get(index + "/" + alert.uuid())).isEqualTo(falco);
            }
        }
        assertThat(es.documents).hasSize(SampleAlerts.LINES.size());
    }

    @Test
    void aRedeliveredAlertIsNotIndexedTwice() throws Exception {
        Alert alert = sample(1);
        try (Output out = plain().create(CONTEXT)) {
            out.send(alert);
            out.send(alert); // as after a lost answer: Elasticsearch says 409, the alert is there
        }
        assertThat(es.requests()).hasSize(2);
        assertThat(es.documents).containsOnlyKeys("falco-2025.11.20/" + alert.uuid());
    }

    @ParameterizedTest
    @CsvSource({
        "daily, falco-2025.11.20",
        "monthly, falco-2025.11",
        "annually, falco-2025",
        "none, falco",
        "DAILY, falco-2025.11.20"
    })
    void theIndexFollowsTheSuffixAndTheAlertsDate(String suffix, String index) throws Exception {
        Alert alert = sample(0); // 2025-11-20T09:14:02Z
        send(config(es.uri(), "falco", suffix, null, null, null, false, null), alert);
        assertThat(es.documents).containsOnlyKeys(index + "/" + alert.uuid());
    }

    @Test
    void theIndexDateIsUtcAndTheAlertsOwnNotTheDeliverys() throws Exception {
        Alert a = sample(0);
        Alert late = new Alert(
                a.uuid(),
                Instant.parse("2025-12-31T23:59:59.999999999Z"),
                a.rule(),
                a.priority(),
                a.source(),
                a.output(),
                a.outputFields(),
                a.tags(),
                a.hostname(),
                null,
                null);
        send(plain(), late);
        assertThat(es.documents).containsOnlyKeys("falco-2025.12.31/" + a.uuid());
    }

    @Test
    void basicAuth() throws Exception {
        send(config(es.uri(), "falco", "none", "elastic", "s3cr:et", null, false, null), sample(0));
        assertThat(es.requests().getFirst().header("Authorization"))
                .isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("elastic:s3cr:et".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void apiKeyAndPipeline() throws Exception {
        send(
                config(
                        URI.create(es.uri() + "/"),
                        "falco",
                        "none",
                        null,
                        null,
                        "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==",
                        false,
                        "falco enrich"),
                sample(0));
        RecordingHttpServer.Request r = es.requests().getFirst();
        assertThat(r.header("Authorization"))
                .isEqualTo("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
        assertThat(r.path()).isEqualTo("/_bulk");
        assertThat(r.query()).isEqualTo("pipeline=falco enrich");
    }

    @Test
    void flattenFieldsReplacesDotsInOutputFieldNames() throws Exception {
        Alert alert = sample(2);
        send(config(es.uri(), "falco", "none", null, null, null, true, null), alert);
        JsonNode doc = es.documents.get("falco/" + alert.uuid());
        assertThat(doc.get("output_fields").propertyNames())
                .contains("evt_time_iso8601", "k8s_ns_name", "proc_aname[2]")
                .noneMatch(n -> n.contains("."));
        assertThat(doc.get("output_fields").get("fd_name").stringValue()).isEqualTo("/etc/cron.d/sysupdate");
    }

    @ParameterizedTest
    @CsvSource({
        "429, es_rejected_execution_exception, true",
        "503, unavailable_shards_exception, true",
        "400, mapper_parsing_exception, false",
        "400, document_parsing_exception, false",
        "404, index_not_found_exception, false"
    })
    void aFailedItemInA200AnswerIsAFailure(int status, String type, boolean retryable) {
        es.itemStatus = status;
        es.itemError = type;

        assertThatThrownBy(() -> send(plain(), sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isEqualTo(retryable);
            assertThat(e.getMessage()).contains("answered " + status).contains(type);
        });
    }

    @ParameterizedTest
    @CsvSource({"500, true", "502, true", "429, true", "401, false", "403, false", "413, false"})
    void theHttpStatusOfTheWholeRequest(int status, boolean retryable) {
        es.httpStatus = status;
        assertThatThrownBy(() -> send(plain(), sample(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isEqualTo(retryable));
    }

    @Test
    void aTwoHundredThatIsNotABulkAnswerIsRetried() throws Exception {
        try (RecordingHttpServer proxy = new RecordingHttpServer()) {
            proxy.respond(r -> new RecordingHttpServer.Answer(200, "<html>maintenance</html>"));
            URI url = proxy.base();
            assertThatThrownBy(() -> send(config(url, "falco", "none", null, null, null, false, null), sample(0)))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains("not a bulk answer");
                    });
        }
    }

    @Test
    void connectionRefusedIsRetryable() throws Exception {
        int closedPort = Loopback.closedPort();
        assertThatThrownBy(() -> send(
                        config(
                                URI.create("http://127.0.0.1:" + closedPort),
                                "falco",
                                "daily",
                                null,
                                null,
                                null,
                                false,
                                null),
                        sample(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void theBulkPathIsNotAddedTwice() {
        assertThat(config(
                                URI.create("https://es.example:9200/prefix/_bulk"),
                                "falco",
                                "daily",
                                null,
                                null,
                                null,
                                false,
                                null)
                        .endpoint())
                .hasToString("https://es.example:9200/prefix/_bulk");
        assertThat(config(
                                URI.create("https://es.example:9200/prefix/"),
                                "falco",
                                "daily",
                                null,
                                null,
                                null,
                                false,
                                "p1")
                        .endpoint())
                .hasToString("https://es.example:9200/prefix/_bulk?pipeline=p1");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "es.example:9200 | falco | | | peregrine.outputs.es.url: must be an http or https URL",
                "http://es.example:9200 | Falco | | | peregrine.outputs.es.index: not an index name",
                "http://es.example:9200 | _falco | | | peregrine.outputs.es.index: not an index name",
                "http://es.example:9200 | fal co | | | peregrine.outputs.es.index: not an index name",
                "http://es.example:9200 | falco | elastic | key | peregrine.outputs.es.api-key: give either username/password",
                "http://es.example:9200 | falco | | | "
            })
    void unusableSettingsStopStartupNamingTheKey(
            String url, String index, String username, String apiKey, String expected) {
        ElasticsearchConfig c = config(URI.create(url), index, "daily", username, null, apiKey, false, null);
        if (expected == null) {
            try (Output out = c.create(CONTEXT)) {
                assertThat(out).isInstanceOf(ElasticsearchOutput.class);
            }
            return;
        }
        assertThatThrownBy(() -> c.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }
}
