package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Container metadata from the Docker Engine API ({@code GET /containers/<id>/json}) over its unix
 * socket. Podman's service speaks the same API, so the same class serves it with
 * {@link ContainerIds.Runtime#PODMAN}.
 *
 * <p>Mapping (as Falco's docker engine does, except the start time): name without its leading '/',
 * {@code Config.Image} as the image, split into repository and tag (tag "latest" when absent; when
 * the container was started from an image id, the image's first RepoTag is used), {@code Image}
 * without "sha256:" as the image id, {@code HostConfig.Privileged}, {@code State.StartedAt} as the
 * start time ({@code Created} while the container has not started), {@code Mounts}, and the
 * {@code io.kubernetes.pod.*} labels as pod name, namespace and uid; for such pod containers the
 * other labels are the pod labels. All of {@code Config.Labels} are the container's labels.
 */
public final class DockerEngine implements ContainerEngine {
    public static final Path DOCKER_SOCKET = Path.of("/var/run/docker.sock");
    public static final Path PODMAN_SOCKET = Path.of("/run/podman/podman.sock");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    /** Waits for a just-created container to report its start time: 0.1 + 0.2 + 0.4 + 0.8 s. */
    private static final int START_RETRIES = 4;

    /** {"type":["container"],"event":["create","start"]}, URL-encoded. */
    private static final String EVENT_FILTER =
            "%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22create%22%2C%22start%22%5D%7D";

    private final ContainerIds.Runtime runtime;
    private final UnixHttp http;
    /** The time of the last event {@link #follow} saw (dockerd's timeNano); 0 before the first. */
    private volatile long lastEventNanos;

    public DockerEngine(Path socket, ContainerIds.Runtime runtime, Duration timeout) {
        this.runtime = runtime;
        this.http = new UnixHttp(socket, timeout);
    }

    /** Docker at {@code $DOCKER_HOST} when that is a {@code unix://} address, else /var/run/docker.sock. */
    public static DockerEngine docker(Duration timeout) {
        String host = System.getenv("DOCKER_HOST");
        Path socket = host != null && host.startsWith("unix://")
                ? Path.of(host.substring("unix://".length()))
                : DOCKER_SOCKET;
        return new DockerEngine(socket, ContainerIds.Runtime.DOCKER, timeout);
    }

    public static DockerEngine podman(Duration timeout) {
        return new DockerEngine(PODMAN_SOCKET, ContainerIds.Runtime.PODMAN, timeout);
    }

    public Path socket() {
        return http.socket();
    }

    @Override
    public ContainerIds.Runtime runtime() {
        return runtime;
    }

    @Override
    public boolean available() {
        return Files.exists(http.socket());
    }

    /** Whether the engine answers {@code GET /_ping} with 200. Blocking. */
    public boolean ping() {
        try {
            return http.get("/_ping").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Optional<ContainerInfo> inspect(ContainerIds.Ref ref) throws IOException {
        return inspect(ref, START_RETRIES);
    }

    @Override
    public Optional<ContainerInfo> inspectCreated(ContainerIds.Ref ref) throws IOException {
        return inspect(ref, 0);
    }

    @Override
    public boolean announces() {
        return true;
    }

    /**
     * Follows {@code GET /events} for containers' {@code create} and {@code start}. After a break
     * it resumes from the last event it saw ({@code since}), so that no container created
     * meanwhile is missed.
     */
    @Override
    public void follow(Lifecycle lifecycle) throws IOException {
        String target =
                "/events?filters=" + EVENT_FILTER + (lastEventNanos > 0 ? "&since=" + since(lastEventNanos) : "");
        http.lines(target, lifecycle::following, line -> {
            JsonNode e;
            try {
                e = JSON.readTree(line);
            } catch (JacksonException bad) {
                return; // not an event: skipped, the stream goes on
            }
            String id = e.path("Actor").path("ID").asString(e.path("id").asString(""));
            String action = e.path("Action").asString(e.path("status").asString(""));
            long at = e.path("timeNano").asLong(0);
            if (at > lastEventNanos) lastEventNanos = at;
            if (!"container".equals(e.path("Type").asString("container")) || !ContainerIds.isFullId(id)) return;
            String podUid = e.path("Actor")
                    .path("Attributes")
                    .path("io.kubernetes.pod.uid")
                    .asString(null);
            ContainerIds.Ref ref = new ContainerIds.Ref(runtime, id, podUid, false);
            switch (action) {
                case "create" -> lifecycle.created(ref);
                case "start" -> lifecycle.started(ref);
                default -> {}
            }
        });
    }

    /** Go's Unix time with nanoseconds, as dockerd's {@code since} takes it. */
    static String since(long epochNanos) {
        return epochNanos / 1_000_000_000L + "." + String.format("%09d", epochNanos % 1_000_000_000L);
    }

    /** A container answered while created but not started is asked again up to {@code startRetries} times. */
    private Optional<ContainerInfo> inspect(ContainerIds.Ref ref, int startRetries) throws IOException {
        if (!ContainerIds.isFullId(ref.id())) throw new IllegalArgumentException("not a container id: " + ref.id());
        JsonNode root = null;
        for (int attempt = 0; ; attempt++) {
            UnixHttp.Response r = http.get("/containers/" + ref.id() + "/json");
            if (r.status() == 404) return Optional.empty();
            if (r.status() != 200) throw new IOException(http.socket() + " answered " + r.status() + ": " + message(r));
            root = parse(r);
            // Just created: runc has exec'd the entrypoint but dockerd has not recorded the start yet.
            boolean started =
                    !ZERO_TIME.equals(root.path("State").path("StartedAt").asString(ZERO_TIME));
            if (started || !"created".equals(root.path("State").path("Status").asString("")) || attempt >= startRetries)
                break;
            try {
                Thread.sleep(100L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.of(toInfo(root, this::imageTags));
    }

    private JsonNode imageTags(String imageId) {
        try {
            UnixHttp.Response r = http.get("/images/" + imageId + "/json");
            return r.status() == 200 ? parse(r) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The container JSON to ContainerInfo; {@code images} looks an image id up (null when unknown). */
    ContainerInfo toInfo(JsonNode root, Function<String, JsonNode> images) {
        JsonNode config = root.path("Config");
        String fullId = root.path("Id").asString("");
        String name = root.path("Name").asString("");
        if (name.startsWith("/")) name = name.substring(1);

        String image = text(config, "Image");
        String imageField = root.path("Image").asString("");
        String imageId =
                imageField.startsWith("sha256:") ? imageField.substring("sha256:".length()) : emptyToNull(imageField);
        String repository = null;
        String tag = null;
        if (image != null) {
            boolean startedById = image.startsWith("sha256:") || (imageId != null && imageId.startsWith(image));
            if (startedById && imageId != null) {
                JsonNode img = images.apply(imageId);
                String repoTag = img == null ? null : firstString(img.path("RepoTags"));
                if (repoTag != null && !repoTag.startsWith("<none>")) {
                    ImageNames.Parts p = ImageNames.split(repoTag);
                    repository = p.repository();
                    tag = p.tag();
                }
            } else {
                ImageNames.Parts p = ImageNames.split(image);
                repository = p.repository();
                tag = p.tag();
            }
            if (repository != null && tag.isEmpty()) tag = "latest";
        }

        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = config.path("Labels");
        if (l.isObject()) {
            for (Map.Entry<String, JsonNode> e : l.properties())
                labels.put(e.getKey(), e.getValue().asString(""));
        }
        String podName = labels.get("io.kubernetes.pod.name");
        Map<String, String> podLabels = new LinkedHashMap<>();
        if (podName != null) {
            labels.forEach((k, v) -> {
                if (!k.startsWith("io.kubernetes.") && !k.startsWith("annotation.")) podLabels.put(k, v);
            });
        }

        List<ContainerInfo.Mount> mounts = new ArrayList<>();
        for (JsonNode m : root.path("Mounts").values()) {
            mounts.add(new ContainerInfo.Mount(
                    m.path("Source").asString(""),
                    m.path("Destination").asString(""),
                    m.path("Mode").asString(""),
                    m.path("RW").asBoolean(false),
                    m.path("Propagation").asString("")));
        }

        long startTs = nanos(root.path("State").path("StartedAt").asString(ZERO_TIME));
        if (startTs == Event.NONE) startTs = nanos(root.path("Created").asString(ZERO_TIME));

        return ContainerInfo.builder()
                .id(fullId.length() >= 12 ? fullId.substring(0, 12) : fullId)
                .name(name)
                .image(image)
                .imageRepository(repository)
                .imageTag(tag)
                .imageId(imageId)
                .type(runtime.type)
                .privileged(root.path("HostConfig").path("Privileged").asBoolean(false))
                .startTs(startTs)
                .mounts(mounts)
                .podName(podName)
                .nsName(labels.get("io.kubernetes.pod.namespace"))
                .podUid(labels.get("io.kubernetes.pod.uid"))
                .podLabels(podLabels)
                .labels(labels)
                .command(command(root))
                .build();
    }

    /** The main command as the engine runs it: {@code Path} (entrypoint or command) and {@code Args}. */
    static String command(JsonNode root) {
        String path = root.path("Path").asString("");
        if (path.isEmpty()) return null;
        StringBuilder sb = new StringBuilder(path);
        for (JsonNode a : root.path("Args").values()) sb.append(' ').append(a.asString(""));
        return sb.toString();
    }

    /** RFC 3339 with nanoseconds (Go's time format) to epoch ns; {@link Event#NONE} for Go's zero time. */
    static long nanos(String time) {
        if (time == null || time.isEmpty() || time.startsWith("0001-01-01")) return Event.NONE;
        try {
            Instant t = Instant.parse(time);
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            return Event.NONE;
        }
    }

    private static JsonNode parse(UnixHttp.Response r) throws IOException {
        try {
            return JSON.readTree(r.body());
        } catch (JacksonException e) {
            throw new IOException("unreadable JSON from the engine: " + e.getOriginalMessage(), e);
        }
    }

    private static String message(UnixHttp.Response r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n.has("message")) return n.get("message").asString();
        } catch (JacksonException ignored) {
            // not JSON
        }
        String s = r.bodyText().strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : emptyToNull(v.asString(""));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String firstString(JsonNode array) {
        for (JsonNode v : array.values()) {
            if (v.isString()) return v.asString();
        }
        return null;
    }
}
