package dev.peregrine.detector.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.CHelper;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the real BPF programs into this kernel and checks that real syscalls of child processes
 * come back decoded: paths, argv, sockets, process lifecycle. Needs root, as CI has.
 *
 * <p>The capture is host-wide, and the host may be busy with other jobs: the test keeps only the
 * records of the processes it started (the generators) and their children, and checks every
 * record it sees for what holds host-wide whatever the load (only selected types, none of this
 * JVM's). It does not require the ring buffer never to drop another process's record; it requires
 * every record of its generators to arrive, which fails if the capture dropped one of them.
 */
@Needs(Need.BPF)
class CaptureTest {
    static final int OPENAT = 257;
    static final int CONNECT = 42;
    static final int UNLINKAT = 263;
    static final int RENAMEAT2 = 316;
    static final int OPENAT2 = 437;
    static final Set<Integer> SELECTED = Set.of(
            OPENAT, CONNECT, UNLINKAT, RENAMEAT2, OPENAT2, RawEvent.PROC_FORK, RawEvent.PROC_EXEC, RawEvent.PROC_EXIT);
    static Capture capture;
    /** The processes the tests started; their records and their children's are kept. */
    static final Set<Long> generators = ConcurrentHashMap.newKeySet();
    /** Records of the generators and their children: a few hundred, whatever else runs on the host. */
    static final ConcurrentLinkedQueue<RawEvent> events = new ConcurrentLinkedQueue<>();
    /** Every record polled, host-wide; of those, of a type not selected, and of this JVM (which is ignored). */
    static final LongAdder seen = new LongAdder(), unselected = new LongAdder(), ofThisJvm = new LongAdder();

    static final long SELF = ProcessHandle.current().pid();

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws Exception {
        capture = Capture.open();
        capture.select(Set.of(OPENAT, CONNECT, UNLINKAT, RENAMEAT2, OPENAT2), true);
        capture.ignoreProcess(ProcessHandle.current().pid());
        capture.attach();
    }

    @AfterAll
    static void unload() {
        if (capture != null) {
            capture.close();
        }
    }

    /**
     * Every polled record is checked; only the generators' and their children's are kept, as
     * copies: the capture refills one record in place.
     */
    static void take(RawEvent e) {
        seen.increment();
        if (!SELECTED.contains(e.type)) {
            unselected.increment();
        }
        if (e.pid == SELF) {
            ofThisJvm.increment();
        }
        if (generators.contains((long) e.pid) || generators.contains((long) e.ppid)) {
            events.add(e.copy());
        }
    }

    /** Polls until an event matching {@code p} has arrived, bounded in time. */
    static RawEvent await(Predicate<RawEvent> p) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            for (RawEvent e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            capture.pollInPlace(50, CaptureTest::take);
        }
        // A record of the generators that never came: lost in the kernel if the ring buffer
        // dropped records meanwhile (the count is host-wide, it cannot say whose).
        throw new AssertionError("no matching event within 20 s; kept " + events.size() + " of " + seen.sum()
                + " records; ring buffer drops since load: " + capture.drops());
    }

    /** Runs a generator to its end; its records are kept from its start on (none is polled before it is registered). */
    static Process run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        generators.add(p.pid());
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p;
    }

    /** A record of the generator or of one of its children. */
    static boolean of(Process p, RawEvent e) {
        return e.pid == p.pid() || e.ppid == p.pid();
    }

    /**
     * Under sustained load the ring is never empty; a poll still returns after its share of
     * records ({@link RingReader#MAX_RECORDS_PER_CONSUME} in the event loop), so the loop gets to
     * ask whether to stop. Here the share is small: the generator's records are all queued before
     * the first poll, and none of them is lost by returning early.
     */
    @Test
    void onePollHandsOverAtMostItsShareAndTheRestFollow() throws Exception {
        int n = 2_000, share = 500;
        String missing = "/nonexistent-" + UUID.randomUUID();
        Process p = run("/bin/bash", "-c", "for ((i=0;i<" + n + ";i++)); do : <" + missing + "; done 2>/dev/null");
        assertThat(capture.pollInPlace(0, CaptureTest::take, share)).isEqualTo(share);
        Predicate<RawEvent> ours =
                e -> e.type == OPENAT && e.pid == p.pid() && e.string(0).equals(missing);
        Instant deadline = Instant.now().plusSeconds(20);
        while (events.stream().filter(ours).count() < n && Instant.now().isBefore(deadline)) {
            assertThat(capture.pollInPlace(50, CaptureTest::take, share)).isLessThanOrEqualTo(share);
        }
        assertThat(events.stream().filter(ours).count())
                .as("the generator's opens; ring buffer drops since load: %d", capture.drops())
                .isEqualTo(n);
    }

    @Test
    void anOpenByAChildProcessArrivesWithItsPathAndResult() throws Exception {
        Path file = dir.resolve("probe-" + UUID.randomUUID());
        Files.writeString(file, "x");
        Process p = run("/bin/cat", file.toString());
        RawEvent open =
                await(e -> e.type == OPENAT && e.pid == p.pid() && e.string(0).equals(file.toString()));
        assertThat(open.ret).as("fd returned by openat").isGreaterThanOrEqualTo(0);
        assertThat(open.comm).isEqualTo("cat");
        assertThat(open.uid).isZero();
        // To the nanosecond: a bound cut to the millisecond may fall before an event of this very millisecond.
        Instant now = Instant.now();
        long nowNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        assertThat(open.tsBootNs + capture.bootToEpochOffset()).isBetween(nowNs - 60_000_000_000L, nowNs);

        Path missing = dir.resolve("missing-" + UUID.randomUUID());
        Process q = run("/bin/cat", missing.toString());
        RawEvent failed =
                await(e -> e.type == OPENAT && e.pid == q.pid() && e.string(0).equals(missing.toString()));
        assertThat(failed.ret).as("-ENOENT").isEqualTo(-2);
    }

    @Test
    void execForkAndExitAreReportedWithArgvAndImageDetails() throws Exception {
        String marker = "marker-" + UUID.randomUUID();
        Process p = run("/bin/sh", "-c", "/bin/echo " + marker + " >/dev/null; exit 3");
        RawEvent exec = await(e -> e.type == RawEvent.PROC_EXEC && e.strings(1).contains(marker));
        assertThat(exec.string(0)).isEqualTo("/bin/echo");
        assertThat(exec.strings(1)).containsExactly("/bin/echo", marker);
        assertThat(exec.strings(2)).as("environ").isNotEmpty();
        ExecInfo info = exec.execInfo(3);
        assertThat(info.exeIno())
                .isEqualTo(Files.getAttribute(Path.of("/bin/echo").toRealPath(), "unix:ino"));
        assertThat(info.capEffective()).as("root has capabilities").isNotZero();
        assertThat(exec.ppid).as("echo's parent is the shell").isEqualTo((int) p.pid());

        RawEvent fork = await(e -> e.type == RawEvent.PROC_FORK
                && e.pid == p.pid()
                && e.forkInfo(0).childPid() == exec.pid);
        assertThat(fork.forkInfo(0).isThread()).isFalse();

        RawEvent exit = await(e -> e.type == RawEvent.PROC_EXIT && e.pid == p.pid());
        assertThat(exit.ret >> 8).as("exit status").isEqualTo(3);
        assertThat(exit.arg(0)).as("group dead").isEqualTo(1);
    }

    @Test
    void aConnectCarriesTheSocketTuple() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            Process p = run("/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port);
            RawEvent connect = await(
                    e -> e.type == CONNECT && e.pid == p.pid() && e.tuple(0).rport() == port);
            SockTuple t = connect.tuple(0);
            assertThat(t.family()).isEqualTo(SockTuple.AF_INET);
            assertThat(t.protocol()).as("TCP").isEqualTo(6);
            assertThat(t.raddr()).isEqualTo(InetAddress.getByName("127.0.0.1"));
            assertThat(t.lport()).isPositive();
            assertThat(connect.ret).isZero();
        }
    }

    @Test
    void renameAndUnlinkCarryBothPaths() throws Exception {
        Path from = dir.resolve("from-" + UUID.randomUUID());
        Path to = dir.resolve("to-" + UUID.randomUUID());
        Files.writeString(from, "x");
        Process p = run("/bin/sh", "-c", "/bin/mv " + from + " " + to + " && /bin/rm " + to);
        RawEvent rename =
                await(e -> e.type == RENAMEAT2 && of(p, e) && e.string(0).equals(from.toString()));
        assertThat(rename.string(1)).isEqualTo(to.toString());
        await(e -> e.type == UNLINKAT && of(p, e) && e.string(0).equals(to.toString()));
        // Every lifecycle record of the generator arrived, not only the two calls: the exec of mv
        // and of rm (the shell may exec rm in its own process), the fork of each child and each
        // exit. A record of these the capture dropped fails here, whatever the host's load; drops
        // of other processes' records, which a busy host may cause, do not.
        for (String tool : List.of("/bin/mv", "/bin/rm")) {
            RawEvent exec = await(
                    e -> e.type == RawEvent.PROC_EXEC && of(p, e) && e.string(0).equals(tool));
            if (exec.pid != p.pid()) {
                await(e -> e.type == RawEvent.PROC_FORK
                        && e.pid == p.pid()
                        && e.forkInfo(0).childPid() == exec.pid);
            }
            await(e -> e.type == RawEvent.PROC_EXIT && e.pid == exec.pid);
        }
        await(e -> e.type == RawEvent.PROC_EXIT && e.pid == p.pid());
        assertThat(capture.malformed()).isZero();
        // The JVM is ignored in the kernel: none of its records, among all those polled host-wide.
        assertThat(ofThisJvm.sum())
                .as("records of this JVM among %d polled", seen.sum())
                .isZero();
        assertThat(p.exitValue()).isZero();
    }

    /** No common tool calls openat2, so the test builds one with the clang the BPF build needs anyway. */
    @Test
    void openat2CarriesItsOpenHowFlagsAndMode() throws Exception {
        Path src = dir.resolve("openat2.c");
        Files.writeString(src, """
                #include <linux/openat2.h>
                #include <sys/syscall.h>
                #include <fcntl.h>
                #include <unistd.h>
                int main(int argc, char **argv) {
                    struct open_how how = {.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, .mode = 0640};
                    return syscall(SYS_openat2, AT_FDCWD, argv[1], &how, sizeof how) < 0;
                }
                """);
        Path bin = CHelper.compile(src, dir);
        Path file = dir.resolve("how-" + UUID.randomUUID());
        Process p = run(bin.toString(), file.toString());
        assertThat(p.exitValue()).as("openat2 succeeded").isZero();
        RawEvent open = await(e -> e.type == OPENAT2 && e.pid == p.pid());
        assertThat(open.string(0)).isEqualTo(file.toString());
        assertThat(open.ret).isGreaterThanOrEqualTo(0);
        OpenHow how = open.openHow(1);
        assertThat(how.flags()).isEqualTo(01 | 0100 | 01000 | 02000000);
        assertThat(how.mode()).isEqualTo(0640);
        assertThat(how.resolve()).isZero();
    }

    @Test
    void unselectedSyscallsStayInTheKernel() throws Exception {
        Process p = run("/bin/ls", "/");
        await(e -> e.type == RawEvent.PROC_EXIT && e.pid == p.pid());
        await(e -> e.type == OPENAT && e.pid == p.pid() && e.string(0).equals("/"));
        // Checked on every record polled since load, host-wide, not only the generators' kept ones.
        assertThat(unselected.sum())
                .as("records of unselected types among %d polled", seen.sum())
                .isZero();
        assertThat(events).allMatch(e -> SELECTED.contains(e.type), "only selected event types");
    }
}
