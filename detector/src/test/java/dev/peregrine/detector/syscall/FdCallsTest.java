package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.O_CLOEXEC;
import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.FdInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fd family's parser on its own: closing, copying and making fds, and their close-on-exec flag. */
class FdCallsTest {
    static final int F_SETFD = 2, F_DUPFD_CLOEXEC = 1030;

    @TempDir
    Path emptyProc;

    OneProcess s;
    final FdCalls fds = new FdCalls();

    @BeforeEach
    void setUp() {
        s = new OneProcess(emptyProc);
        s.proc.fds().put(3, FdInfo.file(3, false, "/etc/hosts", "/etc/hosts", false));
    }

    FdInfo parse(Syscall call, RawEvent r) {
        return fds.parse(call, r, s.proc, s.begin(call, r));
    }

    @Test
    void dup3CopiesTheFdWithTheFlagItWasAskedFor() {
        FdInfo copy =
                parse(Syscall.DUP3, s.syscall(Syscall.DUP3, 9, 3, 9, O_CLOEXEC).add());
        assertThat(copy.name).isEqualTo("/etc/hosts");
        assertThat(copy.num).isEqualTo(9);
        assertThat(copy.cloexec).isTrue();
        assertThat(s.proc.fds().get(9)).isSameAs(copy);
        assertThat(args(s.event)).containsExactly("res=9", "oldfd=3", "newfd=9", "flags=O_CLOEXEC");
    }

    @Test
    void fcntlDuplicatesOrMarksCloseOnExec() {
        FdInfo copy = parse(
                Syscall.FCNTL,
                s.syscall(Syscall.FCNTL, 10, 3, F_DUPFD_CLOEXEC, 10).add());
        assertThat(copy.cloexec).isTrue();
        assertThat(s.proc.fds().get(10)).isSameAs(copy);
        FdInfo marked =
                parse(Syscall.FCNTL, s.syscall(Syscall.FCNTL, 0, 3, F_SETFD, 1).add());
        assertThat(marked.cloexec).isTrue();
        assertThat(s.proc.fds().get(3).cloexec).isTrue();
        assertThat(args(s.event)).containsExactly("fd=3", "cmd=2");
    }

    @Test
    void closeRemovesTheFdAndTheEventKeepsIt() {
        FdInfo closed = parse(Syscall.CLOSE, s.syscall(Syscall.CLOSE, 0, 3).add());
        assertThat(closed.name).isEqualTo("/etc/hosts");
        assertThat(s.proc.fds().get(3)).isNull();
        assertThat(args(s.event)).containsExactly("fd=3");
        assertThat(parse(Syscall.CLOSE, s.syscall(Syscall.CLOSE, -9, 3).add())).isNull();
    }

    @Test
    void pipesSocketpairsAndMemfdsMakeNewFds() {
        parse(
                Syscall.PIPE2,
                s.syscall(Syscall.PIPE2, 0, 0, O_CLOEXEC).fdPair(4, 5).add());
        assertThat(s.proc.fds().get(4).type).isEqualTo("pipe");
        assertThat(s.proc.fds().get(5).cloexec).isTrue();
        assertThat(args(s.event)).containsExactly("res=0");
        parse(
                Syscall.SOCKETPAIR,
                s.syscall(Syscall.SOCKETPAIR, 0, 1, 1, 0).fdPair(6, 7).add());
        assertThat(s.proc.fds().get(7).type).isEqualTo("unix");
        assertThat(s.proc.fds().get(7).cloexec).isFalse();
        FdInfo memfd = parse(
                Syscall.MEMFD_CREATE,
                s.syscall(Syscall.MEMFD_CREATE, 8, 0, 1).string("payload").add());
        assertThat(memfd.type).isEqualTo("memfd");
        assertThat(s.proc.fds().get(8)).isSameAs(memfd);
        assertThat(args(s.event)).containsExactly("fd=8", "name=payload", "flags=MFD_CLOEXEC");
    }

    @Test
    void closeRangeClosesOnlyWhenTheCallSucceeded() {
        s.proc.fds().put(4, FdInfo.file(4, false, "/tmp/a", "/tmp/a", false));
        parse(Syscall.CLOSE_RANGE, s.syscall(Syscall.CLOSE_RANGE, -22, 3, 4, 0).add());
        assertThat(s.proc.fds().size()).isEqualTo(2);
        parse(
                Syscall.CLOSE_RANGE,
                s.syscall(Syscall.CLOSE_RANGE, 0, 4, 0xffffffffL, 0).add());
        assertThat(s.proc.fds().get(3)).isNotNull();
        assertThat(s.proc.fds().get(4)).isNull();
        assertThat(args(s.event)).containsExactly("res=0");
    }
}
