package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.cri.v1.ContainerConfig;
import dev.peregrine.detector.cri.v1.ContainerMetadata;
import dev.peregrine.detector.cri.v1.ContainerState;
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
import dev.peregrine.detector.cri.v1.StopPodSandboxRequest;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.live.LiveDetection;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.detector.rule.Ruleset;
import dev.peregrine.testkit.DockerDaemon;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Attacks that exit before anything could look at them, on real containers: the whole detector
 * (eBPF capture, tables, the container table following Docker's and containerd's events, Falco's
 * stable and incubating rules) must raise Falco's rule with the container's image and privileges
 * and the exe's layer, every time. Each container's first process is the attack and exits at
 * once (mount, debugfs, a copied binary), so what the rules need must come from the kernel's
 * records and from metadata asked before the container ran, not from /proc or the engine after.
 *
 * <p>Falco evaluates the first matching rule by default; a privileged container's first process
 * also matches incubating's "Launch Privileged Container", which comes before "Mount Launched in
 * Privileged Container" in the file. So every rule an event matches is collected here (Falco's
 * {@code rule_matching: all}).
 */
@Needs({Need.BPF, Need.DOCKER, Need.CONTAINERD})
@ExtendWith(DockerDaemon.Extension.class)
class ShortLivedContainersTest {
    static final int RUNS = 20;
    static final String REPOSITORY = "localhost:5000/peregrine/shortlived";
    static final String IMAGE = REPOSITORY + ":1.0";
    static final Path DEBUGFS = Path.of("/usr/sbin/debugfs");
    static final Path RULES = Path.of("src/test/resources/rules");
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String POD_UID = UUID.randomUUID().toString();

    record Match(String rule, Event event) {}

    static final List<Match> matches = new CopyOnWriteArrayList<>();
    static final AtomicBoolean running = new AtomicBoolean(true);
    static final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    static volatile Throwable failure;
    static Thread loop;
    static ContainerTable table;
    static DockerDaemon docker;
    static Containerd containerd;
    static CriEngine cri;
    static PodSandboxConfig sandbox;
    static String sandboxId;
    static String suffix = UUID.randomUUID().toString().substring(0, 8);
    static boolean kubepodsExisted;
    /** Docker's runtime for privileged containers here, if it has one (see DockerDaemon). */
    static String privilegedRuntime;

    @BeforeAll
    static void start(DockerDaemon daemon) throws Exception {
        docker = daemon;
        docker.ensureImage(IMAGE, DEBUGFS);
        // Where the capability bounding set lacks CAP_SYS_RESOURCE, privileged runs need it.
        if (docker.docker("info", "--format", "{{json .Runtimes}}").contains(DockerDaemon.PRIVILEGED_RUNTIME)) {
            privilegedRuntime = DockerDaemon.PRIVILEGED_RUNTIME;
        }
        Path cgroups = ContainerTable.detectCgroupRoot();
        kubepodsExisted = cgroups != null && Files.exists(cgroups.resolve("kubepods"));
        containerd = Containerd.start();
        cri = new CriEngine(containerd.socket, ContainerIds.Runtime.CONTAINERD, Duration.ofSeconds(20));
        RulesLoader.Loaded loaded = new RulesLoader()
                .loadFiles(List.of(RULES.resolve("falco_rules.yaml"), RULES.resolve("falco-incubating_rules.yaml")));
        assertThat(loaded.result().errors()).isEmpty();
        Ruleset rules = loaded.ruleset();
        // The engines `run --cri SOCKET` makes: Docker's at its socket, this containerd's.
        table = new ContainerTable(
                ContainerTable.defaultEngines(List.of(containerd.socket), Duration.ofSeconds(5)),
                ContainerTable.Options.defaults());
        LiveDetection detection =
                new LiveDetection(rules, metrics, table, 100_000, LiveDetection.DEFAULT_CONTAINER_WAIT);
        CountDownLatch attached = new CountDownLatch(1);
        loop = Thread.ofPlatform().name("live-detection").start(() -> {
            try (Capture capture = Capture.open()) {
                detection.run(
                        capture,
                        () -> {
                            attached.countDown();
                            return running.get();
                        },
                        e -> {
                            // Every rule a container's exec matches, as Falco's rule_matching: all.
                            if (e.container != ContainerInfo.HOST && e.type.startsWith("execve")) {
                                for (CompiledRule r : rules.allMatches(e))
                                    matches.add(new Match(r.name(), e.snapshot()));
                            }
                        },
                        (rule, e) -> {});
            } catch (Throwable t) {
                failure = t;
                attached.countDown();
            }
        });
        assertThat(attached.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failure).isNull();
        runSandbox();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        running.set(false);
        if (loop != null) loop.join(10_000);
        if (table != null) table.close();
        try {
            if (sandboxId != null) {
                cri.stub()
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(sandboxId)
                                .build());
                cri.stub()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(sandboxId)
                                .build());
            }
        } catch (Exception ignored) {
            // the containerd goes next
        } finally {
            if (cri != null) cri.close();
            if (containerd != null) containerd.close();
            CriEngineContainerdTest.removePodCgroups(POD_UID, !kubepodsExisted);
        }
    }

    /** The first match of {@code rule} whose event satisfies {@code p}, within {@link #WAIT}; fails with what matched instead. */
    static Event match(String rule, Predicate<Event> p) {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            for (Match m : matches) {
                if (m.rule().equals(rule) && p.test(m.event())) return m.event();
            }
            assertThat(failure).isNull();
            Thread.onSpinWait();
        }
        throw new AssertionError("no '" + rule + "' within " + WAIT + "; matches: "
                + matches.stream()
                        .map(m -> m.rule() + "/" + m.event().proc.name + "/" + m.event().container.id + "/"
                                + m.event().container.name + "/" + m.event().container.imageRepository)
                        .toList());
    }

    /** {@code docker run --rm} in the foreground: returns once the container has exited. */
    static void dockerRun(String name, boolean privileged, String... command) {
        dockerRun(name, true, privileged, command);
    }

    /** {@code docker run} in the foreground, removed at its end ({@code --rm}) or kept to be inspected. */
    static void dockerRun(String name, boolean remove, boolean privileged, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "--network", "none", "--name", name));
        if (remove) args.add("--rm");
        if (privileged) {
            args.add("--privileged");
            if (privilegedRuntime != null) args.add("--runtime=" + privilegedRuntime);
        }
        args.add(IMAGE);
        args.addAll(List.of(command));
        docker.tryDocker(args.toArray(String[]::new)); // debugfs and mount may fail: their exec is what counts
    }

    static void assertContainer(Event e, String repository, boolean privileged, boolean upperLayer) {
        assertThat(e.container.imageRepository).isEqualTo(repository);
        assertThat(e.container.privileged).isEqualTo(privileged);
        assertThat(e.proc.exeUpperLayer).isEqualTo(upperLayer);
        assertThat(e.arg("flags")).contains(upperLayer ? "EXE_UPPER_LAYER" : "EXE_LOWER_LAYER");
    }

    @Test
    void debugfsAsAPrivilegedDockerContainersEntrypoint() {
        for (int i = 0; i < RUNS; i++) {
            String name = "pg-debugfs-" + suffix + "-" + i;
            dockerRun(name, true, "/usr/sbin/debugfs", "-R", "stats", "/dev/vda");
            Event e = match("Debugfs Launched in Privileged Container", ev -> name.equals(ev.container.name));
            assertContainer(e, REPOSITORY, true, false);
            assertThat(e.proc.vpid).as("the container's first process").isEqualTo(1);
            assertThat(e.proc.cmdline).isEqualTo("debugfs -R stats /dev/vda");
        }
    }

    @Test
    void mountAsAPrivilegedDockerContainersEntrypoint() {
        List<String> names = new ArrayList<>();
        try {
            for (int i = 0; i < RUNS; i++) {
                String name = "pg-mount-" + suffix + "-" + i;
                names.add(name);
                dockerRun(name, false, true, "/bin/mount", "-t", "tmpfs", "none", "/tmp");
                Event e = match("Mount Launched in Privileged Container", ev -> name.equals(ev.container.name));
                assertContainer(e, REPOSITORY, true, false);
                assertThat(e.proc.vpid).isEqualTo(1);
            }
            // How long Docker saw them live (StartedAt to FinishedAt): printed, not asserted.
            // dockerd stamps both after the fact; for these the exit is often stamped first.
            List<String> inspect =
                    new ArrayList<>(List.of("inspect", "--format", "{{.State.StartedAt}} {{.State.FinishedAt}}"));
            inspect.addAll(names);
            List<Long> lifetimesUs = new ArrayList<>();
            for (String line : docker.docker(inspect.toArray(String[]::new)).split("\n")) {
                String[] t = line.split(" ");
                lifetimesUs.add((DockerEngine.nanos(t[1]) - DockerEngine.nanos(t[0])) / 1_000);
            }
            lifetimesUs.sort(null);
            System.out.println("mount containers' lifetimes as Docker stamped them, µs: " + lifetimesUs);
        } finally {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(names);
            docker.tryDocker(rm.toArray(String[]::new));
        }
    }

    @Test
    void aBinaryCopiedAndRunAtOnceInADockerContainer() {
        for (int i = 0; i < RUNS; i++) {
            String name = "pg-drop-" + suffix + "-" + i;
            dockerRun(name, false, "/bin/sh", "-c", "/bin/cp /bin/busybox /tmp/ls && exec /tmp/ls /tmp");
            Event e = match("Drop and execute new binary in container", ev -> name.equals(ev.container.name));
            assertContainer(e, REPOSITORY, false, true);
            assertThat(e.proc.exepath).isEqualTo("/tmp/ls");
        }
    }

    @Test
    void mountAsAPrivilegedPodContainersEntrypointUnderContainerd() throws Exception {
        for (int i = 0; i < RUNS; i++) {
            String id = runToExit("mount-" + i, true, "/bin/mount", "-t", "tmpfs", "none", "/tmp");
            Event e =
                    match("Mount Launched in Privileged Container", ev -> ev.container.id.equals(id.substring(0, 12)));
            assertContainer(e, "localhost:5000/peregrine/busybox", true, false);
            assertThat(e.container.podUid).isEqualTo(POD_UID);
        }
    }

    @Test
    void aBinaryCopiedAndRunAtOnceInAPodUnderContainerd() throws Exception {
        for (int i = 0; i < RUNS; i++) {
            String id =
                    runToExit("drop-" + i, false, "/bin/sh", "-c", "/bin/cp /bin/busybox /tmp/ls && exec /tmp/ls /tmp");
            Event e = match(
                    "Drop and execute new binary in container", ev -> ev.container.id.equals(id.substring(0, 12)));
            assertContainer(e, "localhost:5000/peregrine/busybox", false, true);
            assertThat(e.container.podUid).isEqualTo(POD_UID);
        }
    }

    @Test
    void containerdAnnouncesPodContainersBeforeTheyStart() throws Exception {
        List<String> told = new CopyOnWriteArrayList<>();
        try (CriEngine engine =
                new CriEngine(containerd.socket, ContainerIds.Runtime.CONTAINERD, Duration.ofSeconds(5))) {
            Thread follower = Thread.ofVirtual().start(() -> {
                try {
                    engine.follow(ContainerTableDockerTest.recording(told));
                } catch (Exception e) {
                    told.add("broke: " + e);
                }
            });
            try {
                // The subscription may not be there yet for the first container: a few, until one is told.
                String announced = null;
                for (int i = 0; i < 5 && announced == null; i++) {
                    String id = runToExit("announced-" + i, false, "/bin/id");
                    Instant deadline = Instant.now().plusSeconds(5);
                    while (!told.contains("started " + id) && Instant.now().isBefore(deadline)) Thread.onSpinWait();
                    if (told.contains("started " + id)) announced = id;
                }
                assertThat(announced)
                        .as("a container told by containerd's events; told: " + told)
                        .isNotNull();
                assertThat(told).containsSubsequence("created " + announced, "started " + announced);
            } finally {
                follower.interrupt();
                follower.join(10_000);
            }
        }
        assertThat(table.stats().announced())
                .as("the detector's table followed them too")
                .isPositive();
    }

    /** A privileged pod on the node's network, as the kubelet makes it with the cgroupfs driver. */
    static void runSandbox() throws Exception {
        Path logs = Files.createDirectories(containerd.dir.resolve("pod-logs"));
        sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName("attack")
                        .setNamespace("prod")
                        .setUid(POD_UID))
                .setLogDirectory(logs.toString())
                .putAllLabels(Map.of(
                        "io.kubernetes.pod.name", "attack",
                        "io.kubernetes.pod.namespace", "prod",
                        "io.kubernetes.pod.uid", POD_UID))
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent("/kubepods/besteffort/pod" + POD_UID)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setPrivileged(true)
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setNetwork(NamespaceMode.NODE)
                                        .setPid(NamespaceMode.CONTAINER)
                                        .setIpc(NamespaceMode.POD))))
                .build();
        sandboxId = cri.stub()
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
    }

    /** CreateContainer and StartContainer in the pod, then waits until it exited and removes it; its id. */
    static String runToExit(String name, boolean privileged, String... command) throws Exception {
        ContainerConfig.Builder config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(Containerd.IMAGE))
                .addCommand(command[0])
                .addAllArgs(List.of(command).subList(1, command.length))
                .putAllLabels(Map.of(
                        "io.kubernetes.container.name",
                        name,
                        "io.kubernetes.pod.name",
                        "attack",
                        "io.kubernetes.pod.namespace",
                        "prod",
                        "io.kubernetes.pod.uid",
                        POD_UID))
                .setLogPath(name + ".log");
        if (privileged) {
            config.setLinux(LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                            LinuxContainerSecurityContext.newBuilder().setPrivileged(true)));
        }
        String id = cri.stub()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandboxId)
                        .setConfig(config)
                        .setSandboxConfig(sandbox)
                        .build())
                .getContainerId();
        cri.stub()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        await("container " + id + " exited")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> cri.stub()
                                .containerStatus(ContainerStatusRequest.newBuilder()
                                        .setContainerId(id)
                                        .build())
                                .getStatus()
                                .getState()
                        == ContainerState.CONTAINER_EXITED);
        cri.stub()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }
}
