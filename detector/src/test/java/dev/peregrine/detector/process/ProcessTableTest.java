package dev.peregrine.detector.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.syscall.SyscallEvents;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process table's bound, fed kernel records through {@link SyscallEvents} as the capture does.
 * /proc is empty, so the table knows only what the records told it.
 */
class ProcessTableTest {
    @TempDir
    Path emptyProc;

    final KernelRecords k = new KernelRecords();

    void fork(SyscallEvents f, int parent, int child) {
        f.toEvent(k.record(RawEvent.PROC_FORK, parent, parent, "sh")
                .forkInfo(child, child, child, false, 1)
                .add());
    }

    /** Any syscall of the process: the table sees it. */
    void syscall(SyscallEvents f, int pid) {
        f.toEvent(k.syscall(257, pid, "sh", 3, KernelRecords.AT_FDCWD, 0, KernelRecords.O_RDONLY, 0)
                .string("/etc/hosts")
                .add());
    }

    void exit(SyscallEvents f, int pid) {
        f.toEvent(k.record(RawEvent.PROC_EXIT, pid, pid, "sh").args(1).add());
    }

    static List<Long> present(ProcessTable t, LongStream pids) {
        List<Long> out = new ArrayList<>();
        pids.filter(pid -> t.get(pid) != null).forEach(out::add);
        return out;
    }

    @Test
    void aFullTableEvictsTheProcessesSeenLeastRecently() {
        ProcessTable table = new ProcessTable(emptyProc, 100);
        SyscallEvents f = new SyscallEvents(table, new Users(emptyProc), (cgroup, leaf, pid) -> ContainerInfo.HOST, 0);
        for (int pid = 1000; pid < 1100; pid++) {
            fork(f, 1, pid);
        }
        // The even ones of the first half make a syscall: seen after every other birth.
        for (int pid = 1000; pid < 1050; pid += 2) {
            syscall(f, pid);
        }
        for (int pid = 2000; pid < 2050; pid++) {
            fork(f, 1, pid);
        }

        assertThat(table.evictions()).isEqualTo(50);
        assertThat(table.size()).isEqualTo(100);
        // Gone: the odd ones of the first half, then the oldest births of the second half.
        assertThat(present(table, LongStream.range(1000, 1050).filter(p -> p % 2 == 1)))
                .isEmpty();
        assertThat(present(table, LongStream.range(1050, 1075))).isEmpty();
        assertThat(present(table, LongStream.range(1000, 1050).filter(p -> p % 2 == 0)))
                .hasSize(25);
        assertThat(present(table, LongStream.range(1075, 1100))).hasSize(25);
        assertThat(present(table, LongStream.range(2000, 2050))).hasSize(50);
    }

    @Test
    void exitsMakeRoomWithoutEvictionsAndAnExecOfAnUnknownProcessRespectsTheBound() {
        ProcessTable table = new ProcessTable(emptyProc, 10);
        SyscallEvents f = new SyscallEvents(table, new Users(emptyProc), (cgroup, leaf, pid) -> ContainerInfo.HOST, 0);
        for (int pid = 100; pid < 110; pid++) {
            fork(f, 1, pid);
        }
        for (int pid = 100; pid < 105; pid++) {
            exit(f, pid);
        }
        for (int pid = 200; pid < 205; pid++) {
            fork(f, 1, pid);
        }
        assertThat(table.evictions()).isZero();
        syscall(f, 105);

        // A process the table never saw born execs: it comes in, the least recently seen (106) goes.
        f.toEvent(k.record(RawEvent.PROC_EXEC, 300, 300, "cat")
                .ppid(1)
                .string("/bin/cat")
                .strings("cat")
                .strings()
                .execInfo(1, 0, 0755, 0, 0, 300, 300, 300)
                .string("session-1.scope")
                .add());
        assertThat(table.size()).isEqualTo(10);
        assertThat(table.evictions()).isEqualTo(1);
        assertThat(table.get(106)).isNull();
        assertThat(present(table, LongStream.of(105, 107, 108, 109, 200, 201, 202, 203, 204, 300)))
                .hasSize(10);
    }

    /** An open by thread {@code tid} of process {@code pid}. */
    Event open(SyscallEvents f, int pid, int tid, int fd) {
        return f.toEvent(k.record(257, pid, tid, "java")
                .ret(fd)
                .args(KernelRecords.AT_FDCWD, 0, KernelRecords.O_RDONLY, 0)
                .string("/etc/hosts")
                .fileId(0xFE01, 42)
                .add());
    }

    @Test
    void threadsLeaveNothingBehindWhenTheirExitsAreMissed() {
        ProcessTable table = new ProcessTable(emptyProc, 100);
        SyscallEvents f = new SyscallEvents(table, new Users(emptyProc), (cgroup, leaf, pid) -> ContainerInfo.HOST, 0);
        fork(f, 1, 500);
        for (int tid = 501; tid <= 800; tid++) { // threads of 500 whose exits never arrive
            f.toEvent(k.record(RawEvent.PROC_FORK, 500, 500, "java")
                    .forkInfo(tid, 500, tid, true, 1)
                    .add());
        }
        assertThat(open(f, 500, 650, 3).proc.pid)
                .as("a thread's record is its process's")
                .isEqualTo(500);
        assertThat(table.get(500).fds().get(3)).isNotNull();
        exit(f, 500);

        // The kernel hands one of those thread ids out again, as a process id.
        fork(f, 1, 650);
        Event ev = open(f, 650, 650, 4);
        assertThat(ev.proc.pid).isEqualTo(650);
        assertThat(ev.proc.ppid).isEqualTo(1);
        assertThat(table.size()).isEqualTo(1);
    }
}
