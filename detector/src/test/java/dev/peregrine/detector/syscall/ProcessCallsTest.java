package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.FdInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process family's parser on its own: the cwd, failed execs, ptrace and a successful exec's arguments. */
class ProcessCallsTest {
    @TempDir
    Path emptyProc;

    OneProcess s;
    final ProcessCalls calls = new ProcessCalls();

    @BeforeEach
    void setUp() {
        s = new OneProcess(emptyProc);
    }

    void parse(Syscall call, RawEvent r) {
        assertThat(calls.parse(call, r, s.proc, s.begin(call, r))).isNull();
    }

    @Test
    void chdirAndFchdirMoveTheCwdWhenTheySucceed() {
        parse(Syscall.CHDIR, s.syscall(Syscall.CHDIR, 0).string("../v/./w").add());
        assertThat(s.proc.cwd()).isEqualTo("/home/v/w");
        assertThat(s.table.info(s.proc).cwd).as("the process's info is rebuilt").isEqualTo("/home/v/w");
        assertThat(args(s.event)).containsExactly("res=0", "path=../v/./w");
        parse(Syscall.CHDIR, s.syscall(Syscall.CHDIR, -2).string("/nope").add());
        assertThat(s.proc.cwd()).isEqualTo("/home/v/w");

        s.proc.fds().put(5, FdInfo.file(5, true, "/var/log", "/var/log", false));
        parse(Syscall.FCHDIR, s.syscall(Syscall.FCHDIR, 0, 5).add());
        assertThat(s.proc.cwd()).isEqualTo("/var/log");
        assertThat(args(s.event)).containsExactly("res=0", "fd=5");
    }

    @Test
    void aFailedExecveatNamesTheFileRelativeToItsDirfd() {
        s.proc.fds().put(6, FdInfo.file(6, true, "/opt/bin", "/opt/bin", false));
        parse(
                Syscall.EXECVEAT,
                s.syscall(Syscall.EXECVEAT, -13, 6).string("tool").add());
        assertThat(args(s.event)).containsExactly("res=-13", "filename=/opt/bin/tool");
        parse(Syscall.EXECVE, s.syscall(Syscall.EXECVE, -2).string("tool").add());
        assertThat(args(s.event)).containsExactly("res=-2", "filename=/home/u/tool");
    }

    @Test
    void ptraceShowsItsRequestByNameAndAddressesInHex() {
        parse(Syscall.PTRACE, s.syscall(Syscall.PTRACE, 0, 16, 77, 0x7ffe, 0xff).add());
        assertThat(args(s.event)).containsExactly("res=0", "addr=7FFE", "data=FF", "request=PTRACE_ATTACH", "pid=77");
    }

    @Test
    void aSuccessfulExecHasItsImageAndFlags() {
        RawEvent r = s.k.record(RawEvent.PROC_EXEC, OneProcess.PID, OneProcess.PID, "nc")
                .ppid(1)
                .flags(RawEvent.FLAG_EXE_MEMFD | RawEvent.FLAG_EXE_OVERLAY | RawEvent.FLAG_EXE_WRITABLE)
                .string("/proc/self/fd/3")
                .strings("nc", "-l", "4444")
                .strings()
                .execInfo(8, 0, 0700, 0, 0, OneProcess.PID, OneProcess.PID, OneProcess.PID)
                .string("session-1.scope")
                .add();
        s.table.onExec(r);
        calls.exec(r, s.proc, s.begin(Syscall.EXECVE, r));
        assertThat(args(s.event))
                .containsExactly(
                        "res=0",
                        "exe=nc",
                        "args=-l 4444",
                        "filename=/proc/self/fd/3",
                        "flags=EXE_WRITABLE|EXE_LOWER_LAYER|EXE_FROM_MEMFD");
        assertThat(s.proc.exeUpperLayer()).isFalse();
    }

    @Test
    void theExecsFlagsAreTheKernelsWhateverTheProcessLooksLikeNow() {
        // A binary dropped into a container's writable layer, not writable by its (non-root) user:
        // /proc is empty here, the flags alone decide.
        RawEvent r = s.k.record(RawEvent.PROC_EXEC, OneProcess.PID, OneProcess.PID, "ls")
                .ppid(1)
                .flags(RawEvent.FLAG_EXE_OVERLAY | RawEvent.FLAG_EXE_UPPER_LAYER)
                .string("/dropped/ls")
                .strings("/dropped/ls")
                .strings()
                .execInfo(9, 0, 0777, 0, 0, OneProcess.PID, OneProcess.PID, OneProcess.PID)
                .string("docker-0123.scope")
                .add();
        s.table.onExec(r);
        calls.exec(r, s.proc, s.begin(Syscall.EXECVE, r));
        assertThat(args(s.event)).contains("flags=EXE_UPPER_LAYER");
        assertThat(s.proc.exeUpperLayer()).isTrue();
        assertThat(s.proc.exeWritable()).as("mode 0777, but the kernel said no").isFalse();
        assertThat(s.proc.exeFromMemfd()).isFalse();
    }
}
