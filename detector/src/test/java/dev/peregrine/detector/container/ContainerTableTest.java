package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import dev.peregrine.detector.syscall.SyscallEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table on a cgroup hierarchy made of plain directories (their inodes stand for cgroup ids)
 * and a scripted engine.
 */
class ContainerTableTest {
    static final String A = "a5393ec186ec525e4023a38626cb9bc5b0b87412f1be49eb03b6133b32d56b76";
    static final String B = "96c7a97d92ef95038f8a7a1ab0dfb78b9af6a20f5fb3ccf7d845b2181cac1012";
    static final String K = "3f2a8e4c1d7b9a0e5f6c2b8d4a1e7f3c9b0d5e2a8c4f1b7e3d9a6c0f2e8b4d1a";
    static final String POD = "0d6f1b4a-9b1e-4c8e-8f0e-1c2d3e4f5a6b";
    static final Duration WAIT = Duration.ofSeconds(10);

    /** Knows the containers in {@link #known}; counts requests; can be held or made to fail. */
    static final class ScriptedEngine implements ContainerEngine {
        final ContainerIds.Runtime runtime;
        final Map<String, ContainerInfo> known = new ConcurrentHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();
        final AtomicInteger failuresLeft = new AtomicInteger();
        volatile CountDownLatch hold = new CountDownLatch(0);

        ScriptedEngine(ContainerIds.Runtime runtime) {
            this.runtime = runtime;
        }

        @Override
        public ContainerIds.Runtime runtime() {
            return runtime;
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public Optional<ContainerInfo> inspect(ContainerIds.Ref ref) throws IOException {
            asked.add(ref.id());
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            if (failuresLeft.getAndDecrement() > 0) throw new IOException("engine down");
            return Optional.ofNullable(known.get(ref.id()));
        }
    }

    @TempDir
    Path root;

    ScriptedEngine docker = new ScriptedEngine(ContainerIds.Runtime.DOCKER);
    ContainerTable table;
    final List<ContainerInfo> forgotten = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(root.resolve("docker/" + A));
        Files.createDirectories(root.resolve("docker/" + B + "/init.scope"));
        Files.createDirectories(root.resolve("kubepods/besteffort/pod" + POD + "/" + K));
        Files.createDirectories(root.resolve("user.slice/user-0.slice/session-1.scope"));
        docker.known.put(A, info(A, "web"));
        docker.known.put(B, info(B, "db"));
        table = table(16);
    }

    ContainerTable table(int max) {
        ContainerTable t = new ContainerTable(
                List.of(docker), new ContainerTable.Options(root, max, Duration.ofHours(1), Duration.ofMillis(10)));
        t.onForget(forgotten::add);
        return t;
    }

    @AfterEach
    void tearDown() {
        table.close();
    }

    static ContainerInfo info(String id, String name) {
        return ContainerInfo.builder()
                .id(id.substring(0, 12))
                .name(name)
                .image("nginx:1")
                .imageRepository("nginx")
                .imageTag("1")
                .type("docker")
                .startTs(1)
                .build();
    }

    long ino(String rel) throws IOException {
        return (Long) Files.getAttribute(root.resolve(rel), "unix:ino");
    }

    @Test
    void aLeafNameGivesTheIdAtOnceAndMetadataLater() throws Exception {
        docker.hold = new CountDownLatch(1);
        long id = ino("docker/" + A);

        // The engine is held: an answer at all proves the lookup does not wait for it.
        ContainerInfo first = table.lookup(id, A);
        assertThat(first.id).isEqualTo(A.substring(0, 12));
        assertThat(first.type).isEqualTo("docker");
        assertThat(first.name).isNull();
        assertThat(first.image).isNull();
        assertThat(first.isHost()).isFalse();
        // Held engine: lookups still answer with a provisional value (the cgroup path, resolved
        // meanwhile, may refine its runtime, so it need not be the same object).
        ContainerInfo again = table.lookup(id, A);
        assertThat(again.id).isEqualTo(first.id);
        assertThat(again.name).isNull();

        docker.hold.countDown();
        ContainerInfo done = table.await(id, A, WAIT);
        assertThat(done.name).isEqualTo("web");
        assertThat(table.lookup(id)).isSameAs(done);
        assertThat(docker.asked).containsExactly(A);
        assertThat(table.stats().engineRequests()).isEqualTo(1);
        assertThat(table.stats().misses()).isEqualTo(1);
        assertThat(table.stats().lookups()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void withoutALeafTheHierarchyIsScannedForTheInode() throws Exception {
        long id = ino("docker/" + A);
        ContainerInfo c = table.await(id, null, WAIT);
        assertThat(c.name).isEqualTo("web");
        assertThat(table.stats().scans()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aCgroupNestedInAContainerIsThatContainer() throws Exception {
        long nested = ino("docker/" + B + "/init.scope");
        assertThat(table.await(nested, "init.scope", WAIT).name).isEqualTo("db");
        // Both cgroups share one container and one engine request.
        assertThat(table.await(ino("docker/" + B), B, WAIT).name).isEqualTo("db");
        assertThat(docker.asked).containsExactly(B);
        assertThat(table.stats().containers()).isEqualTo(1);
    }

    @Test
    void theRootAndNonContainerCgroupsAreTheHost() throws Exception {
        assertThat(table.rootCgroupId()).isEqualTo(ino(""));
        assertThat(table.lookup(table.rootCgroupId(), "")).isSameAs(ContainerInfo.HOST);
        long session = ino("user.slice/user-0.slice/session-1.scope");
        assertThat(table.await(session, "session-1.scope", WAIT)).isSameAs(ContainerInfo.HOST);
        // An id whose directory is nowhere (already gone) stays the host.
        assertThat(table.await(Long.MAX_VALUE - 7, null, WAIT)).isSameAs(ContainerInfo.HOST);
        assertThat(docker.asked).isEmpty();
    }

    @Test
    void kubepodsBareIdWithoutAnEngineKeepsWhatThePathTells() throws Exception {
        long id = ino("kubepods/besteffort/pod" + POD + "/" + K);
        ContainerInfo c = table.await(id, K, WAIT);
        assertThat(c.id).isEqualTo(K.substring(0, 12));
        assertThat(c.type).isEqualTo("containerd");
        assertThat(c.podUid).isEqualTo(POD);
        assertThat(c.name).isNull();
        // The runtime was only guessed, so Docker (cri-dockerd) was asked too, and did not know it.
        assertThat(docker.asked).containsExactly(K);
        assertThat(table.stats().engineUnknown()).isEqualTo(1);
    }

    @Test
    void kubepodsBareIdKnownToDockerIsDockers() throws Exception {
        docker.known.put(K, info(K, "k8s_app_web-0_prod"));
        ContainerInfo c = table.await(ino("kubepods/besteffort/pod" + POD + "/" + K), null, WAIT);
        assertThat(c.name).isEqualTo("k8s_app_web-0_prod");
        assertThat(c.type).isEqualTo("docker");
        assertThat(c.podUid).isEqualTo(POD); // from the path, as Docker had no label for it
    }

    @Test
    void engineErrorsAreRetried() throws Exception {
        docker.failuresLeft.set(2);
        ContainerInfo c = table.await(ino("docker/" + A), A, WAIT);
        assertThat(c.name).isEqualTo("web");
        assertThat(table.stats().engineErrors()).isEqualTo(2);
        assertThat(docker.asked).hasSize(3);
    }

    @Test
    void anEngineThatStaysDownLeavesTheProvisionalInfo() throws Exception {
        docker.failuresLeft.set(100);
        ContainerInfo c = table.await(ino("docker/" + A), A, WAIT);
        assertThat(c.id).isEqualTo(A.substring(0, 12));
        assertThat(c.name).isNull();
        assertThat(table.stats().engineErrors()).isEqualTo(3);
    }

    @Test
    void deadCgroupsAreForgottenAfterTwoSweeps() throws Exception {
        long a = ino("docker/" + A);
        long b = ino("docker/" + B);
        table.await(a, A, WAIT);
        table.await(b, B, WAIT);
        Files.delete(root.resolve("docker/" + A));

        table.sweep();
        assertThat(table.stats().evictedDead()).isZero();
        assertThat(forgotten).isEmpty();
        table.sweep();
        assertThat(table.stats().evictedDead()).isEqualTo(1);
        assertThat(forgotten).extracting(i -> i.name).containsExactly("web");
        assertThat(table.stats().cgroups()).isEqualTo(1);
        assertThat(table.stats().containers()).isEqualTo(1);
        assertThat(table.lookup(b).name).isEqualTo("db");
    }

    /** The container's /etc/passwd, read through /proc/PID/root for its events, is dropped with the container. */
    @Test
    void aForgottenContainersUserDatabaseIsForgottenToo(@TempDir Path proc) throws Exception {
        Path etc = Files.createDirectories(proc.resolve("4242/root/etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1000:\n");
        Users users = new Users(proc);
        SyscallEvents factory = new SyscallEvents(new ProcessTable(proc, 100), users, table, 0);
        long a = ino("docker/" + A);
        table.await(a, A, WAIT);
        String shortId = A.substring(0, 12);

        Event e = factory.toEvent(new KernelRecords()
                .record(257, 4242, 4242, "app")
                .cgroup(a)
                .user(1000, 1000)
                .ret(3)
                .args(KernelRecords.AT_FDCWD, 0, KernelRecords.O_RDONLY, 0)
                .string("/etc/hostname")
                .add());
        assertThat(e.container.id).isEqualTo(shortId);
        assertThat(e.user.name()).as("from the container's own /etc/passwd").isEqualTo("app");
        assertThat(users.known(shortId)).isTrue();

        Files.delete(root.resolve("docker/" + A));
        table.sweep();
        table.sweep();
        assertThat(forgotten).extracting(i -> i.id).containsExactly(shortId);
        assertThat(users.known(shortId))
                .as("the container's user database after the container is gone")
                .isFalse();
        assertThat(users.forgets()).isEqualTo(1);
    }

    @Test
    void anExecsLeafNamesTheContainerOfACgroupFirstSeenWithoutOne() throws Exception {
        // A cgroup whose directory the scan cannot find: without a leaf it reads as the host.
        long id = Long.MAX_VALUE - 11;
        assertThat(table.await(id, null, WAIT)).isSameAs(ContainerInfo.HOST);
        ContainerInfo c = table.lookup(id, "docker-" + A + ".scope");
        assertThat(c.id).isEqualTo(A.substring(0, 12));
        assertThat(table.lookup(id).id).isEqualTo(A.substring(0, 12));
    }

    @Test
    void aRepeatedLookupIsAnsweredUntilTheCgroupIsForgotten() throws Exception {
        long a = ino("docker/" + A);
        ContainerInfo web = table.await(a, A, WAIT);
        long lookups = table.stats().lookups();
        for (int i = 0; i < 5_000; i++) {
            assertThat(table.lookup(a, A)).isSameAs(web);
        }
        assertThat(table.stats().lookups()).isEqualTo(lookups + 5_000);
        assertThat(table.stats().misses()).isEqualTo(1);
        Files.delete(root.resolve("docker/" + A));
        table.sweep();
        table.sweep();
        assertThat(table.stats().evictedDead()).isEqualTo(1);
        // The previous lookup's entry is gone with the cgroup: the next lookup is a miss, not the old answer.
        table.lookup(a, A);
        assertThat(table.stats().misses()).isEqualTo(2);
    }

    @Test
    void aFullTableDropsTheLeastRecentlyUsed() throws Exception {
        table.close();
        table = table(2);
        long a = ino("docker/" + A);
        long b = ino("docker/" + B);
        long k = ino("kubepods/besteffort/pod" + POD + "/" + K);
        table.await(a, A, WAIT);
        Thread.sleep(2);
        table.await(b, B, WAIT);
        Thread.sleep(2);
        table.await(k, K, WAIT);
        Thread.sleep(2);
        table.lookup(b, B);
        table.sweep();
        assertThat(table.stats().cgroups()).isLessThanOrEqualTo(2);
        assertThat(table.stats().evictedOverflow()).isGreaterThanOrEqualTo(1);
        assertThat(forgotten).extracting(i -> i.id).contains(A.substring(0, 12));
        // b was used last: still there, no new engine request.
        int asked = docker.asked.size();
        assertThat(table.lookup(b, B).name).isEqualTo("db");
        assertThat(docker.asked).hasSize(asked);
    }

    @Test
    void seedingFromTheHierarchyFindsEveryContainer() throws Exception {
        assertThat(table.seedFromCgroups()).isEqualTo(3);
        assertThat(table.await(ino("docker/" + A), null, WAIT).name).isEqualTo("web");
        assertThat(table.stats().misses()).isZero();
    }

    @Test
    void seedingFromProc(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("77"));
        Files.writeString(proc.resolve("77/cgroup"), "4:memory:/docker/" + A + "\n0::/docker/" + A + "\n");
        long a = ino("docker/" + A);
        try (ContainerTable t = new ContainerTable(
                List.of(docker),
                new ContainerTable.Options(root, 16, Duration.ofHours(1), Duration.ofMillis(10)),
                proc)) {
            assertThat(t.seedPid(77, a).id).isEqualTo(A.substring(0, 12));
            assertThat(t.await(a, null, WAIT).name).isEqualTo("web");
            assertThat(t.stats().scans()).isZero();
        }
    }

    @Test
    void theEventsPidSavesAWalk(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("88"));
        Files.writeString(proc.resolve("88/cgroup"), "0::/docker/" + B + "/init.scope\n");
        Files.createDirectories(proc.resolve("99"));
        Files.writeString(proc.resolve("99/cgroup"), "0::/user.slice\n"); // moved elsewhere since the event
        try (ContainerTable t = new ContainerTable(
                List.of(docker),
                new ContainerTable.Options(root, 16, Duration.ofHours(1), Duration.ofMillis(10)),
                proc)) {
            long nested = ino("docker/" + B + "/init.scope");
            t.lookup(nested, "init.scope", 88);
            assertThat(t.await(nested, null, WAIT).name).isEqualTo("db");
            assertThat(t.stats().scans()).isZero();

            long a = ino("docker/" + A);
            t.lookup(a, null, 99);
            assertThat(t.await(a, null, WAIT).name).isEqualTo("web");
            assertThat(t.stats().scans()).isEqualTo(1);
        }
    }

    @Test
    void noCgroupV2MeansEverythingIsTheHost() throws Exception {
        try (ContainerTable t = new ContainerTable(
                List.of(docker), new ContainerTable.Options(null, 16, Duration.ofHours(1), Duration.ofMillis(10)))) {
            assertThat(t.rootCgroupId()).isEqualTo(1);
            assertThat(t.await(1, "", WAIT)).isSameAs(ContainerInfo.HOST);
            assertThat(t.await(12345, null, WAIT)).isSameAs(ContainerInfo.HOST);
            // A leaf still names a container.
            assertThat(t.await(777, A, WAIT).name).isEqualTo("web");
        }
    }

    @Test
    void criSocketsAreTheCommonPathsUnlessNamedAndANamedOneServesBothCriRuntimes() {
        Function<List<ContainerEngine>, List<String>> cri = engines -> engines.stream()
                .filter(e -> e instanceof CriEngine)
                .map(e -> e.runtime() + " " + ((CriEngine) e).socket())
                .toList();
        assertThat(cri.apply(ContainerTable.defaultEngines(List.of(), Duration.ofSeconds(1))))
                .containsExactly(
                        "CONTAINERD /run/containerd/containerd.sock", "CONTAINERD /run/k3s/containerd/containerd.sock",
                        "CONTAINERD /run/host-containerd/containerd.sock", "CRIO /var/run/crio/crio.sock");
        assertThat(cri.apply(ContainerTable.defaultEngines(
                        List.of(Path.of("/tmp/a.sock"), Path.of("/tmp/b.sock")), Duration.ofSeconds(1))))
                .containsExactly(
                        "CONTAINERD /tmp/a.sock", "CRIO /tmp/a.sock", "CONTAINERD /tmp/b.sock", "CRIO /tmp/b.sock");
    }

    /** Announces {@link #toAnnounce} as created on its first follow, then keeps the stream open until closed. */
    static final class AnnouncingEngine implements ContainerEngine {
        final ScriptedEngine answers;
        final List<String> toAnnounce = new CopyOnWriteArrayList<>();
        final AtomicInteger follows = new AtomicInteger();
        /** False: the stream never opens (follow blocks before it). */
        volatile boolean opens = true;

        AnnouncingEngine(ScriptedEngine answers) {
            this.answers = answers;
        }

        @Override
        public ContainerIds.Runtime runtime() {
            return answers.runtime();
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public Optional<ContainerInfo> inspect(ContainerIds.Ref ref) throws IOException {
            return answers.inspect(ref);
        }

        @Override
        public boolean announces() {
            return true;
        }

        @Override
        public void follow(Lifecycle lifecycle) throws IOException {
            if (opens) lifecycle.following();
            if (follows.incrementAndGet() == 1) {
                toAnnounce.forEach(id -> lifecycle.created(new ContainerIds.Ref(runtime(), id, null, false)));
            }
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                throw new IOException("closed", e);
            }
        }
    }

    @Test
    void aContainerAnnouncedByItsEngineIsDescribedBeforeItsFirstEvent() throws Exception {
        AnnouncingEngine engine = new AnnouncingEngine(docker);
        engine.toAnnounce.add(A);
        table.close();
        table = new ContainerTable(
                List.of(engine), new ContainerTable.Options(root, 16, Duration.ofHours(1), Duration.ofMillis(10)));
        assertThat(table.awaitFollowing(WAIT)).isTrue();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (table.stats().announced() < 1 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertThat(table.stats().announced()).isEqualTo(1);

        // Its first event: the metadata is there at once, nothing is awaited, the engine is not asked again.
        long id = ino("docker/" + A);
        ContainerInfo first = table.lookup(id, A);
        assertThat(first.name).isEqualTo("web");
        assertThat(table.awaitingMetadata(id)).isFalse();
        assertThat(docker.asked).containsExactly(A);
        assertThat(engine.follows.get()).isEqualTo(1);
    }

    @Test
    void aContainerIsAwaitedWhileItsEngineIsAsked() throws Exception {
        docker.hold = new CountDownLatch(1);
        long id = ino("docker/" + A);
        assertThat(table.awaitingMetadata(id)).isFalse(); // not known yet
        table.lookup(id, A);
        assertThat(table.awaitingMetadata(id)).isTrue();
        assertThat(table.awaitingMetadata(table.rootCgroupId())).isFalse();
        docker.hold.countDown();
        table.await(id, A, WAIT);
        assertThat(table.awaitingMetadata(id)).isFalse();
    }

    @Test
    void startupWaitsForTheEnginesStreamsBoundedly() throws Exception {
        AnnouncingEngine silent = new AnnouncingEngine(docker);
        silent.opens = false;
        table.close();
        table = new ContainerTable(
                List.of(silent), new ContainerTable.Options(root, 16, Duration.ofHours(1), Duration.ofMillis(10)));
        assertThat(table.awaitFollowing(Duration.ofMillis(200))).isFalse();
        // Engines that announce nothing are not waited for.
        try (ContainerTable plain = new ContainerTable(
                List.of(docker), new ContainerTable.Options(root, 16, Duration.ofHours(1), Duration.ofMillis(10)))) {
            assertThat(plain.awaitFollowing(Duration.ofMillis(200))).isTrue();
        }
    }
}
