package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.AT_FDCWD;
import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.FdInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file family's parser on its own: paths resolved against the cwd and dirfds, the tables untouched. */
class FileCallsTest {
    @TempDir
    Path emptyProc;

    OneProcess s;
    final FileCalls files = new FileCalls();

    @BeforeEach
    void setUp() {
        s = new OneProcess(emptyProc);
        s.proc.fds().put(4, FdInfo.file(4, true, "/etc", "/etc", false));
    }

    FdInfo parse(Syscall call, RawEvent r) {
        return files.parse(call, r, s.proc, s.begin(call, r));
    }

    @Test
    void renameat2ResolvesEachPathAgainstItsOwnDirfd() {
        FdInfo fd = parse(
                Syscall.RENAMEAT2,
                s.syscall(Syscall.RENAMEAT2, 0, 4, 0, AT_FDCWD, 0, 2)
                        .string("shadow")
                        .string("../tmp/shadow")
                        .add());
        assertThat(fd).isNull();
        assertThat(args(s.event))
                .containsExactly(
                        "res=0",
                        "olddirfd=4",
                        "oldpath=/etc/shadow",
                        "newdirfd=-100",
                        "newpath=/home/tmp/shadow",
                        "flags=RENAME_EXCHANGE");
        assertThat(s.proc.fds().size()).isEqualTo(1);
    }

    @Test
    void mkdirIsRelativeToTheCwdWithItsModeInHex() {
        parse(Syscall.MKDIR, s.syscall(Syscall.MKDIR, -17, 0, 0755).string("d").add());
        assertThat(args(s.event)).containsExactly("res=-17", "path=/home/u/d", "mode=1ED");
    }

    @Test
    void fchmodHasTheFdItChanged() {
        FdInfo fd = parse(Syscall.FCHMOD, s.syscall(Syscall.FCHMOD, 0, 4, 0600).add());
        assertThat(fd).isSameAs(s.proc.fds().get(4));
        assertThat(args(s.event)).containsExactly("res=0", "fd=4", "mode=S_IWUSR|S_IRUSR");
    }

    @Test
    void linkatNamesItsDirfdsAsFalcoDoes() {
        parse(
                Syscall.LINKAT,
                s.syscall(Syscall.LINKAT, 0, AT_FDCWD, 0, 4, 0, 0x400)
                        .string("/bin/sh")
                        .string("sh-link")
                        .add());
        assertThat(args(s.event))
                .containsExactly(
                        "res=0",
                        "olddir=-100",
                        "oldpath=/bin/sh",
                        "newdir=4",
                        "newpath=/etc/sh-link",
                        "flags=AT_SYMLINK_FOLLOW");
    }
}
