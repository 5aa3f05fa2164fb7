package dev.peregrine.detector.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.CHelper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the real BPF programs into this kernel and checks that real syscalls of child processes
 * come back decoded: paths, argv, sockets, process lifecycle. Needs root, as CI has.
 */
class CaptureTest {
    static final int OPENAT = 257;
    static final int CONNECT = 42;
    static final int UNLINKAT = 263;
    static final int RENAMEAT2 = 316;
    static final int OPENAT2 = 437;
    static Capture capture;
    static final List<RawEvent> events = new CopyOnWriteArrayList<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws Exception {
        assertThat(Prerequisites.check()).as("capture prerequisites (run the tests as root)").isEmpty();
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

    /** Polls until an event matching {@code p} has arrived, bounded in time. */
    static RawEvent await(Predicate<RawEvent> p) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            for (RawEvent e : events) {
                if (p.test(e)) {
                    return e;
                }
            }
            capture.poll(50, events::add);
        }
        throw new AssertionError("no matching event within 20 s; got " + events.size() + " events");
    }

    static Process run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p;
    }

    @Test
    void anOpenByAChildProcessArrivesWithItsPathAndResult() throws Exception {
        Path file = dir.resolve("probe-" + UUID.randomUUID());
        Files.writeString(file, "x");
        Process p = run("/bin/cat", file.toString());
        RawEvent open = await(e -> e.type == OPENAT && e.pid == p.pid() && e.string(0).equals(file.toString()));
        assertThat(open.ret).as("fd returned by openat").isGreaterThanOrEqualTo(0);
        assertThat(open.comm).isEqualTo("cat");
        assertThat(open.uid).isZero();
        // To the nanosecond: a bound cut to the millisecond may fall before an event of this very millisecond.
        Instant now = Instant.now();
        long nowNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        assertThat(open.tsBootNs + capture.bootToEpochOffset()).isBetween(nowNs - 60_000_000_000L, nowNs);

        Path missing = dir.resolve("missing-" + UUID.randomUUID());
        Process q = run("/bin/cat", missing.toString());
        RawEvent failed = await(e -> e.type == OPENAT && e.pid == q.pid() && e.string(0).equals(missing.toString()));
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
        assertThat(info.exeIno()).isEqualTo(Files.getAttribute(Path.of("/bin/echo").toRealPath(), "unix:ino"));
        assertThat(info.capEffective()).as("root has capabilities").isNotZero();
        assertThat(exec.ppid).as("echo's parent is the shell").isEqualTo((int) p.pid());

        RawEvent fork = await(e -> e.type == RawEvent.PROC_FORK && e.pid == p.pid() && e.forkInfo(0).childPid() == exec.pid);
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
            RawEvent connect = await(e -> e.type == CONNECT && e.pid == p.pid() && e.tuple(0).rport() == port);
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
        RawEvent rename = await(e -> e.type == RENAMEAT2 && e.string(0).equals(from.toString()));
        assertThat(rename.string(1)).isEqualTo(to.toString());
        await(e -> e.type == UNLINKAT && e.string(0).equals(to.toString()));
        assertThat(capture.drops()).isZero();
        assertThat(capture.malformed()).isZero();
        assertThat(events).noneMatch(e -> e.pid == ProcessHandle.current().pid());
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
        Set<Integer> wanted = Set.of(OPENAT, CONNECT, UNLINKAT, RENAMEAT2, OPENAT2, RawEvent.PROC_FORK, RawEvent.PROC_EXEC, RawEvent.PROC_EXIT);
        assertThat(events).allMatch(e -> wanted.contains(e.type), "only selected event types");
    }
}
