package dev.peregrine.detector.container;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.peregrine.detector.containerd.v1.ContainerCreate;
import dev.peregrine.detector.containerd.v1.Envelope;
import dev.peregrine.detector.containerd.v1.EventsGrpc;
import dev.peregrine.detector.containerd.v1.SubscribeRequest;
import dev.peregrine.detector.containerd.v1.TaskStart;
import dev.peregrine.detector.cri.v1.Container;
import dev.peregrine.detector.cri.v1.ContainerFilter;
import dev.peregrine.detector.cri.v1.ContainerState;
import dev.peregrine.detector.cri.v1.ContainerStatus;
import dev.peregrine.detector.cri.v1.ContainerStatusRequest;
import dev.peregrine.detector.cri.v1.ContainerStatusResponse;
import dev.peregrine.detector.cri.v1.ListContainersRequest;
import dev.peregrine.detector.cri.v1.Mount;
import dev.peregrine.detector.cri.v1.PodSandboxStatus;
import dev.peregrine.detector.cri.v1.PodSandboxStatusRequest;
import dev.peregrine.detector.cri.v1.PodSandboxStatusResponse;
import dev.peregrine.detector.cri.v1.RuntimeServiceGrpc;
import dev.peregrine.detector.cri.v1.VersionRequest;
import dev.peregrine.detector.cri.v1.VersionResponse;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Container metadata from the Kubernetes CRI ({@code runtime.v1.RuntimeService}, gRPC over the
 * runtime's unix socket): containerd's CRI plugin ({@link #CONTAINERD_SOCKET}) and CRI-O
 * ({@link #CRIO_SOCKET}).
 *
 * <p>One container takes up to three calls, each with the engine's timeout as its deadline:
 * {@code ContainerStatus} (verbose, for the runtime's info), {@code ListContainers} filtered by
 * the id when the info does not name the pod sandbox, and {@code PodSandboxStatus} for the pod's
 * labels. Mapping: the CRI metadata name (else the {@code io.kubernetes.container.name} label) as
 * the name; the status's image (containerd puts the image's first tag there; when it is only an
 * id, the image name the runtime annotated the OCI spec with) split into repository and tag (tag
 * "latest" when absent, none when the image is only an id); as the image id without "sha256:",
 * the CRI config's image when it is an id (the kubelet passes the image id there), else
 * {@code image_id}, else an {@code image_ref} of the form {@code sha256:<hex>}; {@code started_at} as the start time ({@code created_at} until started); the
 * mounts; the container's labels; pod name, namespace and uid from the
 * {@code io.kubernetes.pod.*} labels; the sandbox's labels, without the {@code io.kubernetes.*}
 * ones, as the pod labels; privileged from the verbose info ({@code config.linux.security_context.privileged}
 * in containerd's, {@code privileged} in CRI-O's), false when the info does not say.
 *
 * <p>A pod's sandbox ("pause") container, unknown to {@code ContainerStatus}, is described from
 * {@code PodSandboxStatus} (pod fields and labels only). A container the runtime does not know
 * (gRPC NOT_FOUND from both),
 * or a runtime without the CRI service (UNIMPLEMENTED: a containerd without its CRI plugin, as
 * dockerd runs it), is {@link Optional#empty()}; any other failure is an {@link IOException}. The channel and its
 * one event-loop thread are made on first use, so an engine whose runtime is absent costs
 * nothing.
 */
public final class CriEngine implements ContainerEngine, AutoCloseable {
    public static final Path CONTAINERD_SOCKET = Path.of("/run/containerd/containerd.sock");
    public static final Path CRIO_SOCKET = Path.of("/var/run/crio/crio.sock");
    /** Where containerd's socket is found: upstream, k3s/RKE2, Bottlerocket's host containerd. */
    public static final List<Path> CONTAINERD_SOCKETS = List.of(
            CONTAINERD_SOCKET,
            Path.of("/run/k3s/containerd/containerd.sock"),
            Path.of("/run/host-containerd/containerd.sock"));

    public static final List<Path> CRIO_SOCKETS = List.of(CRIO_SOCKET);

    /** The containerd namespace of the CRI plugin's containers. */
    static final String CRI_NAMESPACE = "k8s.io";

    static final String CONTAINER_CREATED = "/containers/create";
    static final String TASK_STARTED = "/tasks/start";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Waits for a just-created container to report its start: 0.1 + 0.2 + 0.4 + 0.8 s. */
    private static final int START_RETRIES = 4;

    private final Path socket;
    private final ContainerIds.Runtime runtime;
    private final Duration timeout;
    private ManagedChannel channel; // guarded by this
    private EpollEventLoopGroup group; // guarded by this
    private boolean closed; // guarded by this

    public CriEngine(Path socket, ContainerIds.Runtime runtime, Duration timeout) {
        this.socket = socket;
        this.runtime = runtime;
        this.timeout = timeout;
    }

    /** containerd's CRI plugin at /run/containerd/containerd.sock. */
    public static CriEngine containerd(Duration timeout) {
        return new CriEngine(CONTAINERD_SOCKET, ContainerIds.Runtime.CONTAINERD, timeout);
    }

    /** CRI-O at /var/run/crio/crio.sock. */
    public static CriEngine crio(Duration timeout) {
        return new CriEngine(CRIO_SOCKET, ContainerIds.Runtime.CRIO, timeout);
    }

    public Path socket() {
        return socket;
    }

    @Override
    public ContainerIds.Runtime runtime() {
        return runtime;
    }

    @Override
    public boolean available() {
        return Files.exists(socket);
    }

    /** The runtime's {@code Version} answer. Blocking. */
    public VersionResponse version() throws IOException {
        try {
            return stub().version(VersionRequest.newBuilder().setVersion("v1").build());
        } catch (StatusRuntimeException e) {
            throw failure("Version", e);
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

    /** containerd announces containers on its own event service, beside the CRI; CRI-O is not followed. */
    @Override
    public boolean announces() {
        return runtime == ContainerIds.Runtime.CONTAINERD;
    }

    /**
     * Follows containerd's event service ({@code containerd.services.events.v1.Events/Subscribe},
     * on the same socket) for the CRI's namespace: {@code /containers/create}, which containerd
     * publishes when the CRI's CreateContainer makes the container, before it is started, and
     * {@code /tasks/start}. The CRI itself has such a stream only from containerd 1.7
     * (GetContainerEvents); this one is there from 1.0 on.
     *
     * @throws UnsupportedOperationException when the socket has no containerd event service (CRI-O)
     */
    @Override
    public void follow(Lifecycle lifecycle) throws IOException {
        if (!announces()) throw new UnsupportedOperationException(runtime + " engine has no event stream");
        SubscribeRequest request = SubscribeRequest.newBuilder()
                .addFilters("namespace==" + CRI_NAMESPACE + ",topic==\"" + CONTAINER_CREATED + "\"")
                .addFilters("namespace==" + CRI_NAMESPACE + ",topic==\"" + TASK_STARTED + "\"")
                .build();
        try {
            Iterator<Envelope> events = EventsGrpc.newBlockingStub(channel()).subscribe(request);
            // The call is under way; containerd registers the subscriber as it takes it (not
            // confirmed to the client: its first message is the first event).
            lifecycle.following();
            while (events.hasNext()) {
                Envelope e = events.next();
                try {
                    switch (e.getTopic()) {
                        case CONTAINER_CREATED -> {
                            String id = ContainerCreate.parseFrom(e.getEvent().getValue())
                                    .getId();
                            if (ContainerIds.isFullId(id))
                                lifecycle.created(new ContainerIds.Ref(runtime, id, null, false));
                        }
                        case TASK_STARTED -> {
                            String id =
                                    TaskStart.parseFrom(e.getEvent().getValue()).getContainerId();
                            if (ContainerIds.isFullId(id))
                                lifecycle.started(new ContainerIds.Ref(runtime, id, null, false));
                        }
                        default -> {}
                    }
                } catch (InvalidProtocolBufferException bad) {
                    // an event of another shape: skipped, the stream goes on
                }
            }
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED)
                throw new UnsupportedOperationException(socket + " has no containerd event service", e);
            throw failure("events Subscribe", e);
        }
    }

    /** A created container not yet recorded as started is asked again up to {@code startRetries} times. */
    private Optional<ContainerInfo> inspect(ContainerIds.Ref ref, int startRetries) throws IOException {
        if (!ContainerIds.isFullId(ref.id())) throw new IllegalArgumentException("not a container id: " + ref.id());
        ContainerStatusResponse r;
        try {
            for (int attempt = 0; ; attempt++) {
                r = stub().containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(ref.id())
                        .setVerbose(true)
                        .build());
                // Just created: runc has exec'd the entrypoint but the runtime has not recorded the start yet.
                ContainerStatus s = r.getStatus();
                if (s.getStartedAt() != 0
                        || s.getState() != ContainerState.CONTAINER_CREATED
                        || attempt >= startRetries) break;
                try {
                    Thread.sleep(100L << attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            // UNIMPLEMENTED: the socket's containerd has no CRI plugin (dockerd's), so it will never
            // know any container: a definite answer. NOT_FOUND: no container, maybe a pod sandbox.
            if (code == Status.Code.UNIMPLEMENTED) return Optional.empty();
            if (code == Status.Code.NOT_FOUND) return sandbox(ref);
            throw failure("ContainerStatus", e);
        }
        JsonNode info = verboseInfo(r.getInfoMap());
        String sandboxId = info == null ? "" : info.path("sandboxID").asString("");
        Map<String, String> podLabels = Map.of();
        try {
            if (sandboxId.isEmpty()) sandboxId = listedSandboxId(r.getStatus().getId());
            if (!sandboxId.isEmpty()) {
                PodSandboxStatusResponse p = stub().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(sandboxId)
                        .build());
                podLabels = p.getStatus().getLabelsMap();
            }
        } catch (StatusRuntimeException e) {
            // The pod went away between the calls: the container's own answer still stands.
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) throw failure("pod sandbox of " + ref.id(), e);
        }
        return Optional.of(toInfo(r.getStatus(), info, podLabels, runtime));
    }

    /** The pod sandbox of a container from {@code ListContainers} filtered by its id; "" when not listed. */
    String listedSandboxId(String containerId) throws IOException {
        try {
            List<Container> list = stub().listContainers(ListContainersRequest.newBuilder()
                            .setFilter(ContainerFilter.newBuilder().setId(containerId))
                            .build())
                    .getContainersList();
            for (Container c : list) {
                if (c.getId().equals(containerId)) return c.getPodSandboxId();
            }
            return "";
        } catch (StatusRuntimeException e) {
            throw failure("ListContainers", e);
        }
    }

    /**
     * Not a container: maybe a pod's sandbox ("pause") container, which the CRI keeps apart. As
     * Falco does, it is then described from {@code PodSandboxStatus}: the pod's name, namespace,
     * uid and labels; no name or image. Empty when it is no sandbox either.
     */
    private Optional<ContainerInfo> sandbox(ContainerIds.Ref ref) throws IOException {
        try {
            PodSandboxStatusResponse p = stub().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(ref.id())
                    .build());
            return Optional.of(sandboxInfo(p.getStatus(), runtime));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) return Optional.empty();
            throw failure("PodSandboxStatus", e);
        }
    }

    static ContainerInfo sandboxInfo(PodSandboxStatus s, ContainerIds.Runtime runtime) {
        Map<String, String> labels = s.getLabelsMap();
        Map<String, String> podLabels = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (!k.startsWith("io.kubernetes.")) podLabels.put(k, v);
        });
        String fullId = s.getId();
        return ContainerInfo.builder()
                .id(fullId.length() >= 12 ? fullId.substring(0, 12) : fullId)
                .type(runtime.type)
                .startTs(s.getCreatedAt() > 0 ? s.getCreatedAt() : Event.NONE)
                .podName(emptyToNull(s.getMetadata().getName()))
                .nsName(emptyToNull(s.getMetadata().getNamespace()))
                .podUid(emptyToNull(s.getMetadata().getUid()))
                .podLabels(podLabels)
                .labels(labels)
                .build();
    }

    /** A CRI container status (plus the verbose info, null when none, and the sandbox's labels) to ContainerInfo. */
    static ContainerInfo toInfo(
            ContainerStatus s, JsonNode info, Map<String, String> sandboxLabels, ContainerIds.Runtime runtime) {
        Map<String, String> labels = new LinkedHashMap<>(s.getLabelsMap());
        String name = s.getMetadata().getName();
        if (name.isEmpty()) name = labels.getOrDefault("io.kubernetes.container.name", "");

        String image = emptyToNull(s.getImage().getImage());
        if ((image == null || image.startsWith("sha256")) && info != null) {
            // Only the id: the name the runtime noted in the OCI spec's annotations (as Falco does).
            JsonNode annotations = info.path("runtimeSpec").path("annotations");
            for (String key : List.of(
                    "io.kubernetes.cri.image-name", "io.kubernetes.cri-o.Image", "io.kubernetes.cri-o.ImageName")) {
                String annotated = annotations.path(key).asString("");
                if (!annotated.isEmpty() && !annotated.startsWith("sha256")) {
                    image = annotated;
                    break;
                }
            }
        }
        String repository = null;
        String tag = null;
        if (image != null && !image.startsWith("sha256:") && !ContainerIds.isFullId(image)) {
            ImageNames.Parts p = ImageNames.split(image);
            repository = p.repository();
            tag = p.tag().isEmpty() ? "latest" : p.tag();
        }
        // The kubelet creates containers with the image id as the config's image; else the status's.
        String imageId = info == null
                ? null
                : hexOf(info.path("config").path("image").path("image").asString(""));
        if (imageId == null) imageId = hexOf(s.getImageId());
        if (imageId == null) imageId = hexOf(s.getImageRef());

        Map<String, String> podLabels = new LinkedHashMap<>();
        sandboxLabels.forEach((k, v) -> {
            if (!k.startsWith("io.kubernetes.")) podLabels.put(k, v);
        });

        List<ContainerInfo.Mount> mounts = new ArrayList<>();
        for (Mount m : s.getMountsList()) {
            String propagation = switch (m.getPropagation()) {
                case PROPAGATION_HOST_TO_CONTAINER -> "rslave";
                case PROPAGATION_BIDIRECTIONAL -> "rshared";
                case PROPAGATION_PRIVATE -> "private";
                default -> "unknown";
            };
            mounts.add(
                    new ContainerInfo.Mount(m.getHostPath(), m.getContainerPath(), "", !m.getReadonly(), propagation));
        }

        long startTs = s.getStartedAt() > 0 ? s.getStartedAt() : s.getCreatedAt() > 0 ? s.getCreatedAt() : Event.NONE;
        String fullId = s.getId();
        return ContainerInfo.builder()
                .id(fullId.length() >= 12 ? fullId.substring(0, 12) : fullId)
                .name(name)
                .image(image)
                .imageRepository(repository)
                .imageTag(tag)
                .imageId(imageId)
                .type(runtime.type)
                .privileged(privileged(info))
                .startTs(startTs)
                .mounts(mounts)
                .podName(labels.get("io.kubernetes.pod.name"))
                .nsName(labels.get("io.kubernetes.pod.namespace"))
                .podUid(labels.get("io.kubernetes.pod.uid"))
                .podLabels(podLabels)
                .labels(labels)
                .build();
    }

    /**
     * As Falco reads it: the OCI spec's linux.security_context (old containerd), the CRI config's
     * (containerd), a top-level flag (CRI-O). False when none says.
     */
    static boolean privileged(JsonNode info) {
        if (info == null) return false;
        JsonNode old =
                info.path("runtimeSpec").path("linux").path("security_context").path("privileged");
        if (old.isBoolean()) return old.asBoolean();
        JsonNode fromConfig =
                info.path("config").path("linux").path("security_context").path("privileged");
        if (fromConfig.isBoolean()) return fromConfig.asBoolean();
        JsonNode flag = info.path("privileged");
        return flag.isBoolean() && flag.asBoolean();
    }

    /** The verbose status's "info" entry (containerd and CRI-O both put their JSON there), or null. */
    static JsonNode verboseInfo(Map<String, String> info) {
        String json = info.get("info");
        if (json == null || json.isEmpty()) return null;
        try {
            JsonNode n = JSON.readTree(json);
            return n.isObject() ? n : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static String hexOf(String imageRef) {
        if (imageRef == null) return null;
        int at = imageRef.indexOf("sha256:");
        // "sha256:<hex>" is an image id; "repo@sha256:<hex>" is a manifest digest, not the id.
        if (at != 0) return ContainerIds.isFullId(imageRef) ? imageRef : null;
        String hex = imageRef.substring("sha256:".length());
        return ContainerIds.isFullId(hex) ? hex : null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private IOException failure(String what, StatusRuntimeException e) {
        return new IOException(
                socket + ": CRI " + what + " failed: " + e.getStatus().getCode()
                        + (e.getStatus().getDescription() == null
                                ? ""
                                : " (" + e.getStatus().getDescription() + ")"),
                e);
    }

    /** A stub with the engine's deadline, for one call. Package-private: the tests drive the runtime with it. */
    RuntimeServiceGrpc.RuntimeServiceBlockingStub stub() throws IOException {
        return RuntimeServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized ManagedChannel channel() throws IOException {
        if (closed) throw new IOException("CRI engine for " + socket + " is closed");
        if (channel == null) {
            if (!Epoll.isAvailable()) {
                throw new IOException("no epoll transport for the CRI socket " + socket, Epoll.unavailabilityCause());
            }
            group = new EpollEventLoopGroup(1, new DefaultThreadFactory("peregrine-cri", true));
            channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .eventLoopGroup(group)
                    .channelType(EpollDomainSocketChannel.class)
                    .overrideAuthority("localhost")
                    .usePlaintext()
                    .maxInboundMessageSize(16 << 20)
                    .build();
        }
        return channel;
    }

    /** Closes the channel and its event loop. Idempotent. */
    @Override
    public void close() {
        ManagedChannel ch;
        EpollEventLoopGroup g;
        synchronized (this) {
            closed = true;
            ch = channel;
            g = group;
            channel = null;
            group = null;
        }
        if (ch != null) {
            ch.shutdownNow();
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (g != null) g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
