package dev.peregrine.sidekick.output.s3;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * S3 or any S3-compatible object store (MinIO, Ceph, Garage, ...): alerts written as objects,
 * named as Falcosidekick's AWS S3 output names them ({@code <prefix>/<date>/<time>.json}), one
 * alert per object by default as there, or several per object as JSON lines.
 *
 * @param bucket the bucket; it must exist
 * @param prefix the first part of each object's key
 * @param endpoint an S3-compatible server, {@code http://minio:9000}; none: AWS
 * @param region the region to sign for (any value a compatible store accepts)
 * @param pathStyle {@code http://endpoint/bucket/key} rather than {@code http://bucket.endpoint/key};
 *     default: with an endpoint
 * @param accessKeyId with {@code secretAccessKey}; none: the SDK's usual chain (environment,
 *     profile, container or instance role)
 * @param objectCannedAcl sent as {@code x-amz-acl}; empty: none
 * @param batchSize alerts per object, at most; 1 is Falcosidekick's one object per alert
 * @param batchInterval how long the first alert of an object waits for more
 * @param timeout for each object's upload
 */
@OutputType("s3")
@FalcosidekickOutput(
        value = "aws.s3",
        keys = {"bucket", "prefix", "endpoint", "objectcannedacl: object-canned-acl"})
public record S3Config(
        @NotBlank String bucket,
        @DefaultValue("falco") String prefix,
        URI endpoint,
        @DefaultValue("us-east-1") @NotBlank String region,
        Boolean pathStyle,
        String accessKeyId,
        String secretAccessKey,
        @DefaultValue("bucket-owner-full-control") String objectCannedAcl,
        @DefaultValue("1") @Min(1) @Max(10_000) int batchSize,
        @DefaultValue("1s") Duration batchInterval,
        @DefaultValue("30s") Duration timeout)
        implements OutputConfig {

    /** S3's rule for bucket names (path-style also allows the older, looser ones). */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,254}[a-z0-9]");

    @Override
    public Output create(OutputContext context) {
        check(context);
        return new S3Output(context.name(), this);
    }

    /** Checks without building a client. */
    @Override
    public void check(OutputContext context) {
        String base = context.key();
        if (!BUCKET.matcher(bucket).matches()) {
            throw new ConfigException(base + ".bucket", "not a bucket name: '" + bucket + "'");
        }
        if (endpoint != null
                && (endpoint.getHost() == null
                        || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())))) {
            throw new ConfigException(base + ".endpoint", "must be an http:// or https:// URL, got '" + endpoint + "'");
        }
        if ((accessKeyId == null || accessKeyId.isEmpty()) != (secretAccessKey == null || secretAccessKey.isEmpty())) {
            throw new ConfigException(
                    base + (accessKeyId == null || accessKeyId.isEmpty() ? ".access-key-id" : ".secret-access-key"),
                    "access-key-id and secret-access-key go together");
        }
        if (batchInterval.isNegative() || batchInterval.compareTo(Duration.ofMinutes(15)) > 0) {
            throw new ConfigException(base + ".batch-interval", "must be 0 to 15m, got " + batchInterval);
        }
        if (timeout.isNegative() || timeout.toMillis() < 100) {
            throw new ConfigException(base + ".timeout", "must be at least 100ms, got " + timeout);
        }
    }

    boolean usesPathStyle() {
        return pathStyle != null ? pathStyle : endpoint != null;
    }
}
