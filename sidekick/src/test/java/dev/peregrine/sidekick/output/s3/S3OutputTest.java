package dev.peregrine.sidekick.output.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.testing.ConfiguredOutputs;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.ServerProcess;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The S3 output against a loopback HTTP server standing in for an S3-compatible store (Debian
 * packages none), which checks the wire format: a path-style PUT to /bucket/key, signed with
 * AWS Signature Version 4, a CRC32 checksum and the alerts as body.
 */
class S3OutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("s3", "peregrine.outputs.s3");

    final List<AutoCloseable> closeables = new ArrayList<>();
    final RecordingHttpServer store = new RecordingHttpServer();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        store.close();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + store.port());
    }

    static S3Config config(URI endpoint, int batchSize, Duration interval) {
        return new S3Config(
                "falco-alerts",
                "falco",
                endpoint,
                "eu-west-1",
                null,
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "bucket-owner-full-control",
                batchSize,
                interval,
                Duration.ofSeconds(5));
    }

    Output output(S3Config config) {
        Output out = config.create(CONTEXT);
        closeables.add(out);
        return out;
    }

    static ObjectNode falcoJson(Alert alert, int i) {
        ObjectNode falco = (ObjectNode) JSON.readTree(SampleAlerts.LINES.get(i));
        falco.put("uuid", alert.uuid());
        return falco;
    }

    /** What every request must look like: path-style PUT, SigV4 header, checksums of the body. */
    static void assertWellFormedPut(RecordingHttpServer.Request r) throws Exception {
        assertThat(r.method()).isEqualTo("PUT");
        assertThat(r.path())
                .matches(
                        "/falco-alerts/falco/\\d{4}-\\d{2}-\\d{2}/\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z\\.json");
        String day = r.path().split("/")[3];
        assertThat(r.path().split("/")[4]).startsWith(day + "T");
        String auth = r.header("Authorization");
        assertThat(auth)
                .matches("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/s3/aws4_request,"
                        + " ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}");
        String signed = auth.replaceAll(".*SignedHeaders=([a-z0-9;-]+).*", "$1");
        assertThat(List.of(signed.split(";"))).contains("host", "x-amz-date", "x-amz-content-sha256");
        assertThat(auth.replaceAll(".*Credential=AKIDEXAMPLE/(\\d{8})/.*", "$1"))
                .isEqualTo(r.header("x-amz-date").substring(0, 8));
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        String sha = r.header("x-amz-content-sha256");
        assertThat(sha)
                .isIn(
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                        "UNSIGNED-PAYLOAD");
        CRC32 crc = new CRC32();
        crc.update(body);
        long v = crc.getValue();
        assertThat(r.header("x-amz-checksum-crc32"))
                .isEqualTo(Base64.getEncoder()
                        .encodeToString(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v}));
        assertThat(r.header("x-amz-acl")).isEqualTo("bucket-owner-full-control");
        assertThat(auth.replaceAll(".*Signature=([0-9a-f]{64}).*", "$1"))
                .as("the signature, computed again from the request as received")
                .isEqualTo(signature(r, signed, sha));
    }

    /** AWS Signature Version 4 of the request, from the secret key (AWS's documented steps). */
    static String signature(RecordingHttpServer.Request r, String signedHeaders, String payloadHash) throws Exception {
        StringBuilder canonicalUri = new StringBuilder();
        for (byte b : r.path().getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.~/".indexOf(c) >= 0) {
                canonicalUri.append(c);
            } else {
                canonicalUri.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        StringBuilder headers = new StringBuilder();
        for (String name : signedHeaders.split(";")) {
            headers.append(name).append(':').append(r.header(name).trim()).append('\n');
        }
        String canonical = "PUT\n" + canonicalUri + "\n\n" + headers + "\n" + signedHeaders + "\n" + payloadHash;
        String date = r.header("x-amz-date");
        String scope = date.substring(0, 8) + "/eu-west-1/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n"
                + HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = ("AWS4" + "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").getBytes(StandardCharsets.UTF_8);
        for (String part : List.of(date.substring(0, 8), "eu-west-1", "s3", "aws4_request", toSign)) {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            key = mac.doFinal(part.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(key);
    }

    @Test
    void oneObjectPerAlertByDefaultAsFalcosidekick() throws Exception {
        Output out = output(config(endpoint(), 1, Duration.ofSeconds(1)));
        List<Alert> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Alert alert = SampleAlerts.alert(i);
            out.send(alert);
            sent.add(alert);
        }
        List<RecordingHttpServer.Request> puts = store.requests();
        assertThat(puts).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertWellFormedPut(puts.get(i));
            assertThat(JSON.readTree(puts.get(i).body())).isEqualTo(falcoJson(sent.get(i), i));
        }
        assertThat(puts.stream().map(RecordingHttpServer.Request::path).distinct())
                .hasSize(3);
    }

    @Test
    void alertsInFlightTogetherShareAnObjectAsJsonLines() throws Exception {
        Output out = output(config(endpoint(), 8, Duration.ofSeconds(2)));
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> uuids = ConcurrentHashMap.newKeySet();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                int i = t % SampleAlerts.LINES.size();
                pool.submit(() -> {
                    Alert alert = SampleAlerts.alert(i);
                    try {
                        out.send(alert);
                        uuids.add(alert.uuid());
                    } catch (DeliveryException e) {
                        failures.add(e.getMessage());
                    }
                });
            }
        }
        assertThat(failures).isEmpty();
        List<RecordingHttpServer.Request> puts = store.requests();
        assertThat(puts).hasSizeBetween(2, 16);
        List<String> stored = new ArrayList<>();
        for (RecordingHttpServer.Request r : puts) {
            assertWellFormedPut(r);
            assertThat(r.body()).endsWith("\n");
            List<String> lines = r.body().lines().toList();
            assertThat(lines).hasSizeLessThanOrEqualTo(8);
            lines.forEach(l -> stored.add(JSON.readTree(l).get("uuid").stringValue()));
        }
        assertThat(stored).hasSize(16).containsExactlyInAnyOrderElementsOf(uuids);
    }

    @Test
    void aLoneAlertIsWrittenAfterTheInterval() throws Exception {
        Output out = output(config(endpoint(), 100, Duration.ofMillis(300)));
        Alert alert = SampleAlerts.alert(5);
        out.send(alert);
        assertThat(store.requests()).singleElement().satisfies(r -> {
            assertThat(r.body().lines().toList()).singleElement();
            assertThat(JSON.readTree(r.body().strip())).isEqualTo(falcoJson(alert, 5));
        });
    }

    @Test
    void failuresAreRetryableOrPermanentAsTheStoreAnswers() {
        Output out = output(config(endpoint(), 1, Duration.ofSeconds(1)));
        store.answer(503);
        assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("503");
        store.answer(403);
        assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("403");
        Output down =
                output(config(URI.create("http://127.0.0.1:" + ServerProcess.freePort()), 1, Duration.ofSeconds(1)));
        assertThatThrownBy(() -> down.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    @Test
    void objectKeysAreFalcosidekicks() {
        S3Output out = (S3Output) output(config(endpoint(), 1, Duration.ofSeconds(1)));
        assertThat(out.key(Instant.parse("2026-12-06T07:05:09.120Z")))
                .isEqualTo("falco/2026-12-06/2026-12-06T07:05:09.12Z.json");
        assertThat(out.key(Instant.parse("2026-12-06T23:59:59Z")))
                .isEqualTo("falco/2026-12-06/2026-12-06T23:59:59Z.json");
    }

    @Test
    void falcosidekicksVariablesMakeTheOutputWithTheSharedAwsCredentials() throws Exception {
        var translation = FalcosidekickEnvironment.translation(
                Map.of(
                        "AWS_S3_BUCKET", "falco-alerts",
                        "AWS_S3_ENDPOINT", endpoint().toString(),
                        "AWS_REGION", "eu-west-1",
                        "AWS_ACCESSKEYID", "AKIDEXAMPLE",
                        "AWS_SECRETACCESSKEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                OutputCatalog.scan());
        assertThat(translation.refused()).isEmpty();
        ConfiguredOutput configured =
                ConfiguredOutputs.bind(new HashMap<>(translation.properties())).getFirst();
        assertThat(configured.name()).isEqualTo("s3");
        Output out = configured.config().create(configured.context());
        closeables.add(out);
        Alert alert = SampleAlerts.alert(8);
        out.send(alert);
        RecordingHttpServer.Request put = store.requests().getFirst();
        assertWellFormedPut(put);
        assertThat(JSON.readTree(put.body())).isEqualTo(falcoJson(alert, 8));
    }

    @Test
    void badSettingsStopStartupNamingTheKey() {
        assertThatThrownBy(() -> new S3Config(
                                "Bad_Bucket",
                                "falco",
                                null,
                                "us-east-1",
                                null,
                                null,
                                null,
                                "",
                                1,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(5))
                        .check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.s3.bucket");
        assertThatThrownBy(() -> new S3Config(
                                "b12",
                                "falco",
                                URI.create("ftp://x"),
                                "us-east-1",
                                null,
                                null,
                                null,
                                "",
                                1,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(5))
                        .check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.s3.endpoint");
        assertThatThrownBy(() -> new S3Config(
                                "b12",
                                "falco",
                                null,
                                "us-east-1",
                                null,
                                "AKID",
                                null,
                                "",
                                1,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(5))
                        .check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.s3.secret-access-key");
    }
}
