package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.cri.v1.ContainerConfig;
import dev.peregrine.detector.cri.v1.ContainerMetadata;
import dev.peregrine.detector.cri.v1.ContainerStatusRequest;
import dev.peregrine.detector.cri.v1.CreateContainerRequest;
import dev.peregrine.detector.cri.v1.ImageSpec;
import dev.peregrine.detector.cri.v1.LinuxContainerConfig;
import dev.peregrine.detector.cri.v1.LinuxContainerSecurityContext;
import dev.peregrine.detector.cri.v1.LinuxPodSandboxConfig;
import dev.peregrine.detector.cri.v1.LinuxSandboxSecurityContext;
import dev.peregrine.detector.cri.v1.NamespaceMode;
import dev.peregrine.detector.cri.v1.NamespaceOption;
import dev.peregrine.detector.cri.v1.PodSandboxConfig;
import dev.peregrine.detector.cri.v1.PodSandboxMetadata;
import dev.peregrine.detector.cri.v1.RemoveContainerRequest;
import dev.peregrine.detector.cri.v1.RemovePodSandboxRequest;
import dev.peregrine.detector.cri.v1.RunPodSandboxRequest;
import dev.peregrine.detector.cri.v1.StartContainerRequest;
import dev.peregrine.detector.cri.v1.StopContainerRequest;
import dev.peregrine.detector.cri.v1.StopPodSandboxRequest;
import dev.peregrine.detector.cri.v1.VersionResponse;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CriEngine against a real containerd (its CRI plugin), started privately by {@link Containerd}:
 * a pod with one container is run through the CRI as the kubelet would (cgroupfs driver, host
 * network), then found by the cgroup id the kernel would report for its process.
 */
@Needs(Need.CONTAINERD)
class CriEngineContainerdTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String POD_UID = UUID.randomUUID().toString();
    static final String POD_NAME = "web-0";
    static final String NAMESPACE = "prod";

    static Containerd containerd;
    static CriEngine engine;
    static String sandboxId;
    static String containerId;
    static String privilegedId;
    static Instant before;
    static boolean kubepodsExisted;

    @BeforeAll
    static void start() throws Exception {
        Path root = ContainerTable.detectCgroupRoot();
        kubepodsExisted = root != null && Files.exists(root.resolve("kubepods"));
        containerd = Containerd.start();
        engine = new CriEngine(containerd.socket, ContainerIds.Runtime.CONTAINERD, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        try {
            if (engine != null) {
                for (String id : Arrays.asList(privilegedId, containerId)) {
                    if (id == null) continue;
                    ignoring(() -> engine.stub()
                            .stopContainer(StopContainerRequest.newBuilder()
                                    .setContainerId(id)
                                    .build()));
                    ignoring(() -> engine.stub()
                            .removeContainer(RemoveContainerRequest.newBuilder()
                                    .setContainerId(id)
                                    .build()));
                }
                if (sandboxId != null) {
                    ignoring(() -> engine.stub()
                            .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                    .setPodSandboxId(sandboxId)
                                    .build()));
                    ignoring(() -> engine.stub()
                            .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                    .setPodSandboxId(sandboxId)
                                    .build()));
                }
                engine.close();
            }
        } finally {
            if (containerd != null) containerd.close();
            removePodCgroups(POD_UID, !kubepodsExisted);
        }
    }

    /**
     * The pod's cgroup (/kubepods/besteffort/pod<uid>) in every hierarchy: the kubelet makes and
     * removes it, containerd only its children. Then its parents, if the test made them
     * ({@code parentsToo}; rmdir removes only empty cgroups, so nothing else's is touched).
     */
    static void removePodCgroups(String podUid, boolean parentsToo) {
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                for (String d : List.of("kubepods/besteffort/pod" + podUid, "kubepods/besteffort", "kubepods")) {
                    if (d.startsWith("kubepods/besteffort/pod") || parentsToo)
                        ignoring(() -> {
                            Files.deleteIfExists(h.resolve(d));
                            return null;
                        });
                }
            }
        } catch (IOException ignored) {
            // no cgroup hierarchies to clean
        }
    }

    interface Call {
        Object run() throws Exception;
    }

    static void ignoring(Call c) {
        try {
            c.run();
        } catch (Exception ignored) {
            // cleanup is best effort
        }
    }

    @Test
    void answersVersion() throws Exception {
        VersionResponse v = engine.version();
        assertThat(v.getRuntimeName()).isEqualTo("containerd");
        assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(v.getRuntimeVersion()).isNotEmpty();
    }

    @Test
    void anUnknownContainerIsEmpty() throws Exception {
        String unknown = "0123456789abcdef".repeat(4);
        assertThat(engine.inspect(new ContainerIds.Ref(ContainerIds.Runtime.CONTAINERD, unknown, null, false)))
                .isEmpty();
    }

    @Test
    void aContainerdWithoutItsCriPluginKnowsNoContainer() throws Exception {
        try (Containerd plain = Containerd.start(false);
                CriEngine e = new CriEngine(plain.socket, ContainerIds.Runtime.CONTAINERD, Duration.ofSeconds(10))) {
            assertThatThrownBy(e::version).isInstanceOf(IOException.class).hasMessageContaining("UNIMPLEMENTED");
            // A definite answer, not an error to retry.
            assertThat(e.inspect(new ContainerIds.Ref(
                            ContainerIds.Runtime.CONTAINERD, "0123456789abcdef".repeat(4), null, false)))
                    .isEmpty();
        }
    }

    @Test
    void aDeadSocketIsAnIoError(@TempDir Path tmp) throws Exception {
        // A socket file nobody listens on any more, and no file at all.
        Path dead = tmp.resolve("dead.sock");
        try (var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(dead));
        }
        String id = "fedcba9876543210".repeat(4);
        for (Path socket : List.of(dead, tmp.resolve("absent.sock"))) {
            try (CriEngine e = new CriEngine(socket, ContainerIds.Runtime.CONTAINERD, Duration.ofSeconds(5))) {
                assertThat(e.available()).isEqualTo(Files.exists(socket));
                assertThatThrownBy(
                                () -> e.inspect(new ContainerIds.Ref(ContainerIds.Runtime.CONTAINERD, id, null, false)))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining(socket.toString());
                assertThatThrownBy(e::version).isInstanceOf(IOException.class);
            }
        }
    }

    @Test
    void describesAPodContainerFoundByItsCgroupId() throws Exception {
        runPod();
        // The container's main process, from containerd's verbose status.
        var status = engine.stub()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId)
                        .setVerbose(true)
                        .build());
        long pid = CriEngine.verboseInfo(status.getInfoMap()).path("pid").asLong(0);
        assertThat(pid).as("pid in the verbose info").isPositive();

        // The cgroup containerd made (cgroupfs driver): /kubepods/besteffort/pod<uid>/<id>.
        String path = ContainerIds.v2Path(Files.readString(Path.of("/proc/" + pid + "/cgroup")));
        assertThat(path).isEqualTo("/kubepods/besteffort/pod" + POD_UID + "/" + containerId);
        assertThat(ContainerIds.fromPath(path)).get().satisfies(ref -> {
            assertThat(ref.runtime()).isEqualTo(ContainerIds.Runtime.CONTAINERD);
            assertThat(ref.id()).isEqualTo(containerId);
            assertThat(ref.podUid()).isEqualTo(POD_UID);
        });
        Path root = ContainerTable.detectCgroupRoot();
        long cgroupId = (Long) Files.getAttribute(root.resolve(path.substring(1)), "unix:ino");

        // The engines `run --cri SOCKET` makes.
        try (ContainerTable table = new ContainerTable(
                ContainerTable.defaultEngines(List.of(containerd.socket), Duration.ofSeconds(20)),
                ContainerTable.Options.defaults().withSweepInterval(Duration.ofHours(1)))) {
            ContainerInfo c = table.await(cgroupId, null, WAIT);
            assertThat(table.stats().engineErrors()).isZero();
            assertThat(c.id).isEqualTo(containerId.substring(0, 12));
            assertThat(c.type).isEqualTo("containerd");
            assertThat(c.name).isEqualTo("app");
            assertThat(c.image).isEqualTo(Containerd.IMAGE);
            assertThat(c.imageRepository).isEqualTo("localhost:5000/peregrine/busybox");
            assertThat(c.imageTag).isEqualTo("1.0");
            assertThat(c.imageId).isEqualTo(containerd.configId);
            assertThat(c.privileged).isFalse();
            assertThat(c.startTs)
                    .isBetween(
                            before.minusSeconds(5).toEpochMilli() * 1_000_000L,
                            Instant.now().toEpochMilli() * 1_000_000L);
            assertThat(c.podName).isEqualTo(POD_NAME);
            assertThat(c.nsName).isEqualTo(NAMESPACE);
            assertThat(c.podUid).isEqualTo(POD_UID);
            assertThat(c.podLabels).containsEntry("app", "web").doesNotContainKey("io.kubernetes.pod.name");
            assertThat(c.labels).containsEntry("tier", "backend").containsEntry("io.kubernetes.container.name", "app");
        }

        // The sandbox as ListContainers names it (for runtimes whose verbose info does not).
        assertThat(engine.listedSandboxId(containerId)).isEqualTo(sandboxId);
        assertThat(engine.listedSandboxId("0123456789abcdef".repeat(4))).isEmpty();

        // The pod's sandbox ("pause") container: not a CRI container, described from its sandbox.
        ContainerInfo pause = engine.inspect(
                        new ContainerIds.Ref(ContainerIds.Runtime.CONTAINERD, sandboxId, null, true))
                .orElseThrow();
        assertThat(pause.id).isEqualTo(sandboxId.substring(0, 12));
        assertThat(pause.type).isEqualTo("containerd");
        assertThat(pause.name).isNull();
        assertThat(pause.podName).isEqualTo(POD_NAME);
        assertThat(pause.nsName).isEqualTo(NAMESPACE);
        assertThat(pause.podUid).isEqualTo(POD_UID);
        assertThat(pause.podLabels).containsExactly(Map.entry("app", "web"));

        // The second container of the pod: privileged, as containerd's verbose info says.
        ContainerInfo p = engine.inspect(
                        new ContainerIds.Ref(ContainerIds.Runtime.CONTAINERD, privilegedId, null, false))
                .orElseThrow();
        assertThat(p.name).isEqualTo("priv");
        assertThat(p.privileged).isTrue();
        assertThat(p.podName).isEqualTo(POD_NAME);
        assertThat(p.podLabels).containsEntry("app", "web");
    }

    /** RunPodSandbox, CreateContainer, StartContainer as the kubelet does with the cgroupfs driver. */
    static void runPod() throws IOException {
        before = Instant.now();
        Path logs = containerd.dir.resolve("pod-logs");
        Files.createDirectories(logs);
        PodSandboxConfig sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(POD_NAME)
                        .setNamespace(NAMESPACE)
                        .setUid(POD_UID))
                .setLogDirectory(logs.toString())
                .putAllLabels(Map.of(
                        "app",
                        "web",
                        "io.kubernetes.pod.name",
                        POD_NAME,
                        "io.kubernetes.pod.namespace",
                        NAMESPACE,
                        "io.kubernetes.pod.uid",
                        POD_UID))
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent("/kubepods/besteffort/pod" + POD_UID)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setPrivileged(true)
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setNetwork(NamespaceMode.NODE)
                                        .setPid(NamespaceMode.CONTAINER)
                                        .setIpc(NamespaceMode.POD))))
                .build();
        sandboxId = engine.stub()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                .setImage(ImageSpec.newBuilder().setImage(Containerd.IMAGE))
                .addCommand("/bin/sleep")
                .addArgs("3600")
                .putAllLabels(Map.of(
                        "tier",
                        "backend",
                        "io.kubernetes.container.name",
                        "app",
                        "io.kubernetes.pod.name",
                        POD_NAME,
                        "io.kubernetes.pod.namespace",
                        NAMESPACE,
                        "io.kubernetes.pod.uid",
                        POD_UID))
                .setLogPath("app/0.log")
                .build();
        containerId = engine.stub()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandboxId)
                        .setConfig(config)
                        .setSandboxConfig(sandbox)
                        .build())
                .getContainerId();
        engine.stub()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .startContainer(StartContainerRequest.newBuilder()
                        .setContainerId(containerId)
                        .build());
        ContainerConfig priv = config.toBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("priv"))
                .putLabels("io.kubernetes.container.name", "priv")
                .setLogPath("priv/0.log")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setSecurityContext(
                                LinuxContainerSecurityContext.newBuilder().setPrivileged(true)))
                .build();
        privilegedId = engine.stub()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandboxId)
                        .setConfig(priv)
                        .setSandboxConfig(sandbox)
                        .build())
                .getContainerId();
        engine.stub()
                .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                .startContainer(StartContainerRequest.newBuilder()
                        .setContainerId(privilegedId)
                        .build());
    }
}
