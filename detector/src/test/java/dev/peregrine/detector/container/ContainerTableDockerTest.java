package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import dev.peregrine.detector.syscall.SyscallEvents;
import dev.peregrine.testkit.DockerDaemon;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real containers on a real dockerd (started by {@link DockerDaemon} when none runs): the table
 * must find them from the cgroup id the kernel would report, and fill in Docker's metadata.
 */
@Needs(Need.DOCKER)
@ExtendWith(DockerDaemon.Extension.class)
class ContainerTableDockerTest {
    static final String IMAGE_REPO = "localhost:5000/peregrine/busybox";
    static final String IMAGE_TAG = "1.0";
    static final String POD_UID = "0d6f1b4a-9b1e-4c8e-8f0e-1c2d3e4f5a6b";
    static final Duration WAIT = Duration.ofSeconds(20);

    static DockerDaemon docker;
    static ContainerTable table;
    static final List<ContainerInfo> forgotten = new CopyOnWriteArrayList<>();
    static String suffix;
    static Instant before;
    static String plainId;
    static String privilegedId;

    @TempDir
    static Path volume;

    @BeforeAll
    static void start(DockerDaemon daemon) throws Exception {
        docker = daemon;
        docker.ensureBusyboxImage(IMAGE_REPO + ":" + IMAGE_TAG);
        suffix = UUID.randomUUID().toString().substring(0, 8);
        before = Instant.now();
        plainId = docker.runDetached(
                "--name",
                "peregrine-plain-" + suffix,
                "--label",
                "io.kubernetes.pod.name=web-0",
                "--label",
                "io.kubernetes.pod.namespace=prod",
                "--label",
                "io.kubernetes.pod.uid=" + POD_UID,
                "--label",
                "app=web",
                "-v",
                volume + ":/data:ro",
                IMAGE_REPO + ":" + IMAGE_TAG,
                "/bin/sleep",
                "120");
        privilegedId = docker.runDetached(
                "--name",
                "peregrine-priv-" + suffix,
                "--privileged",
                IMAGE_REPO + ":" + IMAGE_TAG,
                "/bin/sleep",
                "120");
        table = new ContainerTable(
                List.of(DockerEngine.docker(Duration.ofSeconds(10))),
                ContainerTable.Options.defaults().withSweepInterval(Duration.ofHours(1)));
        table.onForget(forgotten::add);
    }

    @AfterAll
    static void stop() {
        if (table != null) table.close();
        if (docker != null) {
            if (plainId != null) docker.remove(plainId);
            if (privilegedId != null) docker.remove(privilegedId);
        }
    }

    /** The container's main process, as the kernel sees it. */
    static long pid(String containerId) {
        return Long.parseLong(docker.docker("inspect", "--format", "{{.State.Pid}}", containerId));
    }

    /** Its cgroup v2 directory: the cgroup root plus the 0:: line of /proc/PID/cgroup. */
    static Path cgroupDir(String containerId) throws Exception {
        String path = ContainerIds.v2Path(Files.readString(Path.of("/proc/" + pid(containerId) + "/cgroup")));
        assertThat(path).as("cgroup v2 path of the container").isNotNull().isNotEqualTo("/");
        return ContainerTable.detectCgroupRoot().resolve(path.substring(1));
    }

    /** What bpf_get_current_cgroup_id() returns for the container's processes. */
    static long cgroupId(String containerId) throws Exception {
        return (Long) Files.getAttribute(cgroupDir(containerId), "unix:ino");
    }

    @Test
    void resolvesAContainerFromItsCgroupIdAlone() throws Exception {
        long cgroupId = cgroupId(plainId);
        ContainerInfo c = table.await(cgroupId, null, WAIT);

        assertThat(c.id).isEqualTo(plainId.substring(0, 12));
        assertThat(c.name).isEqualTo("peregrine-plain-" + suffix);
        assertThat(c.type).isEqualTo("docker");
        assertThat(c.image).isEqualTo(IMAGE_REPO + ":" + IMAGE_TAG);
        assertThat(c.imageRepository).isEqualTo(IMAGE_REPO);
        assertThat(c.imageTag).isEqualTo(IMAGE_TAG);
        assertThat(c.imageId)
                .hasSize(64)
                .isEqualTo(docker.docker("image", "inspect", "--format", "{{.Id}}", IMAGE_REPO + ":" + IMAGE_TAG)
                        .substring(7));
        assertThat(c.privileged).isFalse();
        assertThat(c.startTs)
                .isBetween(
                        before.minusSeconds(5).toEpochMilli() * 1_000_000L,
                        Instant.now().toEpochMilli() * 1_000_000L);
        assertThat(c.podName).isEqualTo("web-0");
        assertThat(c.nsName).isEqualTo("prod");
        assertThat(c.podUid).isEqualTo(POD_UID);
        assertThat(c.podLabels).containsEntry("app", "web").doesNotContainKey("io.kubernetes.pod.name");
        assertThat(c.mounts)
                .containsExactly(new ContainerInfo.Mount(volume.toString(), "/data", "ro", false, "rprivate"));
        // Looked up again: the cached value, no new engine request.
        long requests = table.stats().engineRequests();
        assertThat(table.lookup(cgroupId)).isSameAs(c);
        assertThat(table.stats().engineRequests()).isEqualTo(requests);
    }

    @Test
    void resolvesAPrivilegedContainerFromTheLeafNameOfAnExecEvent() throws Exception {
        Path dir = cgroupDir(privilegedId);
        long cgroupId = (Long) Files.getAttribute(dir, "unix:ino");
        String leaf = dir.getFileName().toString();

        // At once, without I/O: the id from the leaf name, metadata still unknown or already there.
        ContainerInfo first = table.lookup(cgroupId, leaf);
        assertThat(first.id).isEqualTo(privilegedId.substring(0, 12));
        assertThat(first.type).isEqualTo("docker");

        ContainerInfo c = table.await(cgroupId, leaf, WAIT);
        assertThat(c.name).isEqualTo("peregrine-priv-" + suffix);
        assertThat(c.privileged).isTrue();
        assertThat(c.imageRepository).isEqualTo(IMAGE_REPO);
        assertThat(c.podName).isNull();
        assertThat(c.podLabels).isEmpty();
        assertThat(c.startTs).isGreaterThan(0);
    }

    @Test
    void seedsRunningContainersFromProcAndFromTheHierarchy() throws Exception {
        try (ContainerTable fresh = new ContainerTable(
                List.of(DockerEngine.docker(Duration.ofSeconds(10))),
                ContainerTable.Options.defaults().withSweepInterval(Duration.ofHours(1)))) {
            // An event without a leaf name: the process's /proc/PID/cgroup tells the path, no walk needed.
            long privCgroup = cgroupId(privilegedId);
            fresh.lookup(privCgroup, null, pid(privilegedId));
            assertThat(fresh.await(privCgroup, null, WAIT).name).isEqualTo("peregrine-priv-" + suffix);
            assertThat(fresh.stats().scans()).isZero();

            long pid = pid(plainId);
            assertThat(ContainerIds.forPid(pid))
                    .get()
                    .extracting(ContainerIds.Ref::id)
                    .isEqualTo(plainId);
            assertThat(fresh.seedPid(pid, cgroupId(plainId)).id).isEqualTo(plainId.substring(0, 12));
            assertThat(fresh.await(cgroupId(plainId), null, WAIT).name).isEqualTo("peregrine-plain-" + suffix);

            assertThat(fresh.seedFromCgroups()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void hostProcessesAreTheHost() throws Exception {
        assertThat(table.lookup(table.rootCgroupId(), "")).isSameAs(ContainerInfo.HOST);
        assertThat(ContainerIds.forPid(ProcessHandle.current().pid())).isEmpty();
    }

    /** Its /etc/passwd, read through /proc/PID/root for its first event, goes when the container does. */
    @Test
    void aRemovedContainersUserDatabaseIsForgotten() throws Exception {
        String id = docker.runDetached(
                "--name", "peregrine-users-" + suffix, IMAGE_REPO + ":" + IMAGE_TAG, "/bin/sleep", "120");
        String shortId = id.substring(0, 12);
        long cgroupId = cgroupId(id);
        int pid = (int) pid(id);
        table.await(cgroupId, null, WAIT);
        Users users = new Users();
        SyscallEvents factory = new SyscallEvents(new ProcessTable(1_000), users, table, 0);

        Event e = factory.toEvent(new KernelRecords()
                .record(257, pid, pid, "sleep")
                .cgroup(cgroupId)
                .ret(3)
                .args(KernelRecords.AT_FDCWD, 0, KernelRecords.O_RDONLY, 0)
                .string("/etc/hostname")
                .add());
        assertThat(e.container.id).isEqualTo(shortId);
        assertThat(e.user.name()).isEqualTo("root");
        assertThat(users.known(shortId)).isTrue();

        docker.remove(id);
        table.sweep();
        table.sweep();
        assertThat(forgotten).extracting(i -> i.id).contains(shortId);
        assertThat(users.known(shortId))
                .as("the removed container's user database")
                .isFalse();
    }

    @Test
    void forgetsAContainerOnceItsCgroupIsGone() throws Exception {
        String id = docker.runDetached(
                "--name", "peregrine-short-" + suffix, IMAGE_REPO + ":" + IMAGE_TAG, "/bin/sleep", "120");
        long cgroupId = cgroupId(id);
        ContainerInfo c = table.await(cgroupId, null, WAIT);
        assertThat(c.name).isEqualTo("peregrine-short-" + suffix);

        docker.remove(id);
        long dead = table.stats().evictedDead();
        table.sweep(); // gone once
        table.sweep(); // gone twice: forgotten
        assertThat(table.stats().evictedDead()).isGreaterThan(dead);
        assertThat(forgotten).extracting(i -> i.id).contains(id.substring(0, 12));
        // The other containers are still known.
        assertThat(table.await(cgroupId(plainId), null, WAIT).name).isEqualTo("peregrine-plain-" + suffix);
    }

    /** What an engine's event stream told, as "created ID" and "started ID". */
    static ContainerEngine.Lifecycle recording(List<String> told) {
        return new ContainerEngine.Lifecycle() {
            @Override
            public void created(ContainerIds.Ref ref) {
                told.add("created " + ref.id());
            }

            @Override
            public void started(ContainerIds.Ref ref) {
                told.add("started " + ref.id());
            }
        };
    }

    @Test
    void dockerAnnouncesAContainerWhenItCreatesIt() throws Exception {
        DockerEngine engine = DockerEngine.docker(Duration.ofSeconds(10));
        List<String> told = new CopyOnWriteArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> {
            try {
                engine.follow(recording(told));
            } catch (IOException e) {
                told.add("broke: " + e.getMessage());
            }
        });
        try {
            // The stream may not be open yet for the first container: a few, until one is told.
            String announced = null;
            for (int i = 0; i < 5 && announced == null; i++) {
                String id = docker.runDetached(
                        "--name", "peregrine-announced-" + suffix + "-" + i, IMAGE_REPO + ":" + IMAGE_TAG, "/bin/id");
                Instant deadline = Instant.now().plusSeconds(5);
                while (!told.contains("started " + id) && Instant.now().isBefore(deadline)) Thread.onSpinWait();
                docker.remove(id);
                if (told.contains("started " + id)) announced = id;
            }
            assertThat(announced)
                    .as("a container told by /events; told: " + told)
                    .isNotNull();
            assertThat(told).containsSubsequence("created " + announced, "started " + announced);
        } finally {
            follower.interrupt();
            follower.join(10_000);
        }
        assertThat(follower.isAlive()).as("interrupting ends the stream").isFalse();
    }
}
