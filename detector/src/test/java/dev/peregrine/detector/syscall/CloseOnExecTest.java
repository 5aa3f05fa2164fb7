package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.AT_FDCWD;
import static dev.peregrine.detector.capture.KernelRecords.O_CLOEXEC;
import static dev.peregrine.detector.capture.KernelRecords.O_RDONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.process.Proc;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Close-on-exec through fork and exec, and the ways of setting it that {@link KernelTablesTest}
 * does not make with real syscalls. Kernel records of a shell (pid 600) and its child (601).
 */
class CloseOnExecTest {
    static final int OPENAT = 257,
            OPENAT2 = 437,
            DUP2 = 33,
            FCNTL = 72,
            F_SETFD = 2,
            SOCKET = 41,
            SOCKETPAIR = 53,
            ACCEPT = 43,
            CONNECT = 42,
            CLOSE_RANGE = 436,
            CLOSE_RANGE_CLOEXEC = 4;

    @TempDir
    Path emptyProc;

    final KernelRecords k = new KernelRecords();
    ProcessTable table;
    SyscallEvents factory;

    @BeforeEach
    void setUp() {
        table = new ProcessTable(emptyProc, 100);
        factory = new SyscallEvents(table, new Users(emptyProc), (cgroup, leaf, pid) -> ContainerInfo.HOST, 0);
        exec(600, "sh");
    }

    void exec(int pid, String comm) {
        factory.toEvent(k.record(RawEvent.PROC_EXEC, pid, pid, comm)
                .ppid(1)
                .string("/bin/" + comm)
                .strings(comm)
                .strings()
                .execInfo(pid, 0, 0755, 0, 0, 600, pid, 600)
                .string("session-1.scope")
                .add());
    }

    void syscall(int nr, int pid, long ret, long... args) {
        factory.toEvent(k.syscall(nr, pid, "sh", ret, args).add());
    }

    void open(int pid, long fd, long flags) {
        factory.toEvent(k.syscall(OPENAT, pid, "sh", fd, AT_FDCWD, 0, flags, 0)
                .string("/etc/hosts")
                .add());
    }

    List<Long> fds(int pid) {
        Proc p = table.get(pid);
        return LongStream.range(0, 64)
                .filter(fd -> p.fds().get(fd) != null)
                .boxed()
                .toList();
    }

    @Test
    void aForkedChildInheritsTheFlagsAndOnlyItsExecDropsTheMarkedFds() {
        open(600, 3, O_RDONLY);
        open(600, 4, O_RDONLY | O_CLOEXEC);
        factory.toEvent(k.record(RawEvent.PROC_FORK, 600, 600, "sh")
                .forkInfo(601, 601, 601, false, 1)
                .add());
        exec(601, "cat");
        assertThat(fds(601)).containsExactly(3L);
        assertThat(fds(600)).as("the parent did not exec").containsExactly(3L, 4L);
        exec(600, "sh");
        assertThat(fds(600)).containsExactly(3L);
    }

    @Test
    void closeRangeClosesOrMarksTheFdsOfItsRangeOnly() {
        for (long fd = 3; fd <= 9; fd++) {
            open(600, fd, O_RDONLY);
        }
        syscall(CLOSE_RANGE, 600, 0, 4, 5, 0);
        assertThat(fds(600)).containsExactly(3L, 6L, 7L, 8L, 9L);
        syscall(CLOSE_RANGE, 600, 0, 7, 0xffffffffL, CLOSE_RANGE_CLOEXEC); // to the highest fd there can be
        syscall(CLOSE_RANGE, 600, -22, 3, 3, 0); // failed: nothing closed
        assertThat(fds(600)).containsExactly(3L, 6L, 7L, 8L, 9L);
        exec(600, "sh");
        assertThat(fds(600)).containsExactly(3L, 6L);
    }

    @Test
    void theFlagFollowsEveryCallThatSetsOrClearsIt() {
        open(600, 3, O_CLOEXEC);
        syscall(DUP2, 600, 3, 3, 3); // onto itself: no change, the flag stays
        syscall(FCNTL, 600, -9, 3, F_SETFD, 0); // failed: no change
        factory.toEvent(k.syscall(OPENAT2, 600, "sh", 4, AT_FDCWD, 0, 24)
                .string("/etc/hosts")
                .openHow(O_CLOEXEC, 0)
                .add());
        open(600, 5, O_RDONLY);
        syscall(FCNTL, 600, 0, 5, F_SETFD, 1); // FD_CLOEXEC set after the open
        factory.toEvent(k.syscall(SOCKETPAIR, 600, "sh", 0, 1, 1 | O_CLOEXEC, 0)
                .fdPair(6, 7)
                .add());
        factory.toEvent(
                k.syscall(SOCKETPAIR, 600, "sh", 0, 1, 1, 0).fdPair(8, 9).add());
        // A socket keeps its flag when connect rebuilds its fd; a plain accept's fd has none.
        syscall(SOCKET, 600, 10, 2, 1 | O_CLOEXEC, 0);
        factory.toEvent(k.syscall(CONNECT, 600, "sh", 0, 10)
                .tuple(2, 1, 6, "10.0.0.2", 40000, "10.0.0.3", 80)
                .add());
        syscall(SOCKET, 600, 11, 2, 1 | O_CLOEXEC, 0);
        factory.toEvent(k.syscall(ACCEPT, 600, "sh", 12, 11)
                .tuple(2, 1, 6, "10.0.0.2", 80, "10.0.0.4", 50000)
                .add());
        syscall(FCNTL, 600, 0, 99, F_SETFD, 1); // an fd the table does not know: nothing happens

        exec(600, "sh");
        assertThat(fds(600)).containsExactly(8L, 9L, 12L);
    }
}
