package dev.peregrine.sidekick.output.s3;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Writes alerts to objects. Each {@link #send} returns once the object holding its alert is
 * stored. With a batch size above 1, the first alert of an object waits up to the batch interval
 * for more (the senders in flight at once, at most the output's {@code parallelism}), then all
 * of them are written in one PUT and their senders return together, each with the outcome.
 */
final class S3Output implements Output {
    /** Go's RFC3339Nano as Falcosidekick names objects: trailing zeros of the fraction dropped. */
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("uuuu-MM-dd").withZone(ZoneOffset.UTC);

    private final String name;
    private final S3Config config;
    private final S3Client client;
    private final Supplier<Instant> clock;
    private final String where;
    private Batch open; // guarded by this

    /** Alerts going into one object, and the outcome their senders wait for. */
    private static final class Batch {
        final List<byte[]> alerts = new ArrayList<>();
        final CountDownLatch full = new CountDownLatch(1);
        final CompletableFuture<String> written = new CompletableFuture<>();
    }

    S3Output(String name, S3Config config) {
        this(name, config, Instant::now);
    }

    S3Output(String name, S3Config config, Supplier<Instant> clock) {
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.where = "s3 " + (config.endpoint() == null ? "" : config.endpoint() + " ") + "bucket " + config.bucket();
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(config.timeout())
                        .socketTimeout(config.timeout()))
                .region(Region.of(config.region()))
                .forcePathStyle(config.usesPathStyle())
                // The whole body signed (its SHA-256 in x-amz-content-sha256), not aws-chunked
                // signed chunks, which not every S3-compatible store takes: the body is in memory.
                .serviceConfiguration(
                        S3Configuration.builder().chunkedEncodingEnabled(false).build())
                // Retrying is the delivery's, with its backoff and circuit breaker.
                .overrideConfiguration(
                        o -> o.retryStrategy(r -> r.maxAttempts(1)).apiCallTimeout(config.timeout()));
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        if (config.accessKeyId() != null && !config.accessKeyId().isEmpty()) {
            b.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey())));
        } else {
            b.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        this.client = b.build();
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        Batch batch;
        boolean first;
        synchronized (this) {
            if (open == null) {
                open = new Batch();
            }
            batch = open;
            first = batch.alerts.isEmpty();
            batch.alerts.add(AlertJson.write(alert));
            if (batch.alerts.size() >= config.batchSize()) {
                open = null;
                batch.full.countDown();
            }
        }
        if (first) {
            write(batch);
        }
        await(batch);
    }

    /** By the batch's first sender: waits for it to fill or for the interval, then writes it. */
    private void write(Batch batch) throws DeliveryException {
        try {
            if (config.batchSize() > 1) {
                batch.full.await(config.batchInterval().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<byte[]> alerts;
        synchronized (this) {
            if (open == batch) {
                open = null; // sealed: later alerts go to the next object
            }
            alerts = List.copyOf(batch.alerts);
        }
        String key = key(clock.get());
        try {
            put(key, body(alerts));
            batch.written.complete(key);
        } catch (DeliveryException e) {
            batch.written.completeExceptionally(e);
        } catch (RuntimeException e) {
            batch.written.completeExceptionally(DeliveryException.retryable(where + " key " + key + ": " + e, e));
        }
    }

    private void await(Batch batch) throws DeliveryException {
        try {
            batch.written.get(
                    config.batchInterval().toMillis() + config.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            DeliveryException cause = (DeliveryException) e.getCause();
            // The same outcome for every alert of the object, thrown from each sender's thread.
            throw new DeliveryException(cause.getMessage(), cause.retryable(), cause);
        } catch (TimeoutException e) {
            throw DeliveryException.retryable(where + ": the object holding the alert was not written in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(where + ": interrupted", e);
        }
    }

    /** One alert: its Falco JSON, as Falcosidekick writes it; several: one per line (JSON lines). */
    private byte[] body(List<byte[]> alerts) {
        if (config.batchSize() == 1) {
            return alerts.getFirst();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] a : alerts) {
            out.writeBytes(a);
            out.write('\n');
        }
        return out.toByteArray();
    }

    private void put(String key, byte[] body) throws DeliveryException {
        CRC32 crc = new CRC32();
        crc.update(body);
        long v = crc.getValue();
        byte[] crcBytes = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        PutObjectRequest.Builder req = PutObjectRequest.builder()
                .bucket(config.bucket())
                .key(key)
                .contentType("application/json")
                // Object Lock buckets refuse a PUT without an integrity value; Falcosidekick sends CRC32 too.
                .checksumCRC32(Base64.getEncoder().encodeToString(crcBytes));
        if (config.objectCannedAcl() != null && !config.objectCannedAcl().isEmpty()) {
            req.acl(config.objectCannedAcl());
        }
        try {
            client.putObject(req.build(), RequestBody.fromBytes(body));
        } catch (S3Exception e) {
            int status = e.statusCode();
            String message = where + " key " + key + ": " + status + " "
                    + (e.awsErrorDetails() == null
                            ? e.getMessage()
                            : e.awsErrorDetails().errorCode() + ": "
                                    + e.awsErrorDetails().errorMessage());
            // NoSuchBucket, AccessDenied, a wrong key: fixed on the store's side, then requeued.
            if (status == 408 || status == 429 || status >= 500 || status == 0) {
                throw DeliveryException.retryable(message, e);
            }
            throw DeliveryException.permanent(message);
        } catch (SdkException e) {
            throw DeliveryException.retryable(where + " key " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code <prefix>/<UTC date>/<UTC time, RFC 3339 with nanoseconds>.json}, as Falcosidekick;
     * an empty prefix gives no leading '/' (Falcosidekick's key would start with one).
     */
    String key(Instant t) {
        String fraction = "";
        if (t.getNano() != 0) {
            fraction = "." + String.format("%09d", t.getNano()).replaceAll("0+$", "");
        }
        String prefix = config.prefix() == null || config.prefix().isEmpty() ? "" : config.prefix() + "/";
        return prefix + DAY.format(t) + "/" + SECONDS.format(t) + fraction + "Z.json";
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "s3 output " + name;
    }
}
