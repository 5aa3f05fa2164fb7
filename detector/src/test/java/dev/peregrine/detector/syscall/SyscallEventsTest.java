package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.AT_FDCWD;
import static dev.peregrine.detector.capture.KernelRecords.O_RDONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dispatcher: which records make events, their numbering, and what every event gets attached. */
class SyscallEventsTest {
    static final int KILL = 62, READ = 0, CLOSE = 3, OPENAT = 257;

    @TempDir
    Path emptyProc;

    final KernelRecords k = new KernelRecords();
    ProcessTable table;
    SyscallEvents events;

    @BeforeEach
    void setUp() {
        table = new ProcessTable(emptyProc, 100);
        events = new SyscallEvents(
                table,
                new Users(emptyProc),
                (cgroup, leaf, pid) ->
                        cgroup == ScriptedSession.CONTAINER_CGROUP ? ScriptedSession.CONTAINER : ContainerInfo.HOST,
                ScriptedSession.BOOT_TO_EPOCH);
    }

    RawEvent exec(int pid, int flags) {
        return k.record(RawEvent.PROC_EXEC, pid, pid, "sh")
                .ppid(1)
                .flags(flags)
                .string("/bin/sh")
                .strings("sh", "-c", "true")
                .strings()
                .execInfo(9, 0, 0755, 0, 0, pid, pid, pid)
                .string("session-1.scope")
                .add();
    }

    RawEvent open(int pid, int fd) {
        return k.syscall(OPENAT, pid, "sh", fd, AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/hosts")
                .add();
    }

    @Test
    void forkAndExitRecordsKeepTheProcessTableAndMakeNoEvent() {
        assertThat(events.toEvent(exec(600, 0))).isNotNull();
        assertThat(events.toEvent(k.record(RawEvent.PROC_FORK, 600, 600, "sh")
                        .forkInfo(601, 601, 601, false, 1)
                        .add()))
                .isNull();
        assertThat(table.get(601)).isNotNull();
        assertThat(events.toEvent(
                        k.record(RawEvent.PROC_EXIT, 601, 601, "sh").args(1).add()))
                .isNull();
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void aSuccessfulExecIsAnExecveEventOrAnExecveatOneByItsFlag() {
        Event e = events.toEvent(exec(600, 0));
        assertThat(e.type).isEqualTo("execve");
        assertThat(e.arg("exe")).isEqualTo("sh");
        assertThat(e.arg("args")).isEqualTo("-c true");
        assertThat(e.proc.pid).isEqualTo(600);
        assertThat(events.toEvent(exec(600, RawEvent.FLAG_EXECVEAT)).type).isEqualTo("execveat");
    }

    @Test
    void aRecordOfASyscallTheCaptureDoesNotNameMakesNoEventAndTakesNoNumber() {
        long first = events.toEvent(open(600, 3)).num;
        assertThat(events.toEvent(k.syscall(READ, 600, "sh", 10, 3).add())).isNull();
        events.updateTables(k.syscall(READ, 600, "sh", 10, 3).add());
        assertThat(events.toEvent(open(600, 4)).num).isEqualTo(first + 1);
    }

    @Test
    void aCallWithoutAParserHasItsResultAloneAndTheStateOfItsProcess() {
        events.toEvent(exec(600, 0));
        Event e = events.toEvent(k.syscall(KILL, 600, "sh", -3, 1, 9).add());
        assertThat(e.type).isEqualTo("kill");
        assertThat(OneProcess.args(e)).containsExactly("res=-3");
        assertThat(e.res).isEqualTo("ESRCH");
        assertThat(e.proc.name).isEqualTo("sh");
        assertThat(e.fd).isNull();
    }

    @Test
    void tablesOnlyRecordsUpdateTheTablesAndKeepTheirNumber() {
        events.toEvent(exec(600, 0));
        long first = events.toEvent(open(600, 3)).num;
        events.updateTables(k.syscall(CLOSE, 600, "sh", 0, 3).add());
        assertThat(table.get(600).fds().get(3)).as("closed").isNull();
        assertThat(events.toEvent(open(600, 4)).num).isEqualTo(first + 2);
    }

    @Test
    void everyEventCarriesItsFdContainerAndUserAfterTheSyscall() {
        events.toEvent(k.record(RawEvent.PROC_FORK, 1, 1, "init")
                .forkInfo(700, 700, 1, false, 1)
                .cgroup(ScriptedSession.CONTAINER_CGROUP)
                .add());
        Event e = events.toEvent(k.record(OPENAT, 700, 700, "nginx")
                .cgroup(ScriptedSession.CONTAINER_CGROUP)
                .user(101, 102)
                .ret(5)
                .args(AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/nginx/nginx.conf")
                .add());
        assertThat(e.fd.name).isEqualTo("/etc/nginx/nginx.conf");
        assertThat(e.fd).isSameAs(table.get(700).fds().get(5));
        assertThat(e.container.id).isEqualTo(ScriptedSession.CONTAINER.id);
        assertThat(e.user.uid()).isEqualTo(101);
        assertThat(e.user.gid()).isEqualTo(102);
        assertThat(e.proc.pid).isEqualTo(700);
        assertThat(e.ts).isEqualTo(ScriptedSession.BOOT_TO_EPOCH + k.records().getLast().tsBootNs);
    }
}
