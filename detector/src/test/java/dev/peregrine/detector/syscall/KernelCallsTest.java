package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.FdInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel family's parser on its own: namespaces, modules, bpf and userfaultfd. */
class KernelCallsTest {
    static final long CLONE_NEWNS = 0x00020000, CLONE_NEWUSER = 0x10000000, CLONE_NEWNET = 0x40000000;

    @TempDir
    Path emptyProc;

    OneProcess s;
    final KernelCalls calls = new KernelCalls();

    @BeforeEach
    void setUp() {
        s = new OneProcess(emptyProc);
        s.proc.fds().put(5, FdInfo.file(5, false, "/proc/1/ns/net", "/proc/1/ns/net", false));
    }

    FdInfo parse(Syscall call, RawEvent r) {
        return calls.parse(call, r, s.proc, s.begin(call, r));
    }

    @Test
    void setnsHasTheNamespacesFdAndItsTypeByName() {
        FdInfo fd = parse(
                Syscall.SETNS, s.syscall(Syscall.SETNS, 0, 5, CLONE_NEWNET).add());
        assertThat(fd).isSameAs(s.proc.fds().get(5));
        assertThat(args(s.event)).containsExactly("res=0", "fd=5", "nstype=CLONE_NEWNET");
    }

    @Test
    void unshareNamesItsFlagsAndBpfShowsItsCommand() {
        assertThat(parse(
                        Syscall.UNSHARE,
                        s.syscall(Syscall.UNSHARE, 0, CLONE_NEWNS | CLONE_NEWUSER)
                                .add()))
                .isNull();
        assertThat(args(s.event)).containsExactly("res=0", "flags=CLONE_NEWNS|CLONE_NEWUSER");
        parse(Syscall.BPF, s.syscall(Syscall.BPF, 7, 5).add());
        assertThat(args(s.event)).containsExactly("fd=7", "cmd=5");
    }

    @Test
    void finitModuleHasTheModulesFdAndInitModuleItsLength() {
        FdInfo fd = parse(
                Syscall.FINIT_MODULE,
                s.syscall(Syscall.FINIT_MODULE, -1, 5, 0, 2).string("debug=1").add());
        assertThat(fd).isSameAs(s.proc.fds().get(5));
        assertThat(args(s.event)).containsExactly("res=-1", "fd=5", "uargs=debug=1", "flags=2");
        parse(
                Syscall.INIT_MODULE,
                s.syscall(Syscall.INIT_MODULE, 0, 0, 4096).string("").add());
        assertThat(args(s.event)).containsExactly("res=0", "length=4096", "uargs=");
    }
}
