package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.AT_FDCWD;
import static dev.peregrine.detector.capture.KernelRecords.O_CLOEXEC;
import static dev.peregrine.detector.capture.KernelRecords.O_CREAT;
import static dev.peregrine.detector.capture.KernelRecords.O_RDONLY;
import static dev.peregrine.detector.capture.KernelRecords.O_RDWR;
import static dev.peregrine.detector.capture.KernelRecords.O_TRUNC;
import static dev.peregrine.detector.capture.KernelRecords.O_WRONLY;
import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The open family's parser on its own: the fd it puts in the table and the event's arguments. */
class OpenCallsTest {
    @TempDir
    Path emptyProc;

    OneProcess s;
    final OpenCalls opens = new OpenCalls();

    @BeforeEach
    void setUp() {
        s = new OneProcess(emptyProc);
        s.proc.fds().put(4, FdInfo.file(4, true, "/etc", "/etc", false));
    }

    FdInfo parse(Syscall call, RawEvent r) {
        return opens.parse(call, r, s.proc, s.begin(call, r));
    }

    @Test
    void openatResolvesItsPathAgainstTheDirfdAndTheNewFdGoesIntoTheTable() {
        RawEvent r = s.syscall(Syscall.OPENAT, 5, 4, 0, O_RDONLY | O_CLOEXEC, 0)
                .string("./ssl/../passwd")
                .fileId(0xFE01, 1305)
                .add();
        FdInfo fd = parse(Syscall.OPENAT, r);
        assertThat(fd.name).isEqualTo("/etc/passwd");
        assertThat(fd.nameraw).isEqualTo("./ssl/../passwd");
        assertThat(fd.cloexec).isTrue();
        assertThat(s.proc.fds().get(5)).isSameAs(fd);
        Event e = s.event;
        assertThat(args(e))
                .containsExactly(
                        "fd=5",
                        "dirfd=4",
                        "name=/etc/passwd",
                        "flags=O_RDONLY|O_CLOEXEC",
                        "mode=0",
                        "dev=FE01",
                        "ino=1305");
        assertThat(e.openRead).isTrue();
        assertThat(e.openWrite).isFalse();
        assertThat(e.openExec).isFalse();
    }

    @Test
    void creatIsAnOpenForWritingWithoutFlagsOrOpenBooleans() {
        RawEvent r = s.syscall(Syscall.CREAT, 6, 0, 0755).string("tool").add();
        FdInfo fd = parse(Syscall.CREAT, r);
        assertThat(fd.name).as("relative to the cwd").isEqualTo("/home/u/tool");
        assertThat(s.proc.fds().get(6)).isSameAs(fd);
        assertThat(args(s.event)).containsExactly("fd=6", "name=/home/u/tool", "mode=0755", "dev=0", "ino=0");
        assertThat(s.event.openWrite)
                .as("libsinsp sets evt.is_open_* for the open family only")
                .isFalse();
        assertThat(s.event.openExec).isFalse();
    }

    @Test
    void openat2TakesFlagsAndModeFromItsOpenHowAndShowsResolve() {
        RawEvent r = s.syscall(Syscall.OPENAT2, 7, AT_FDCWD, 0, 24)
                .string("/usr/local/bin/tool")
                .openHow(O_WRONLY | O_CREAT | O_TRUNC, 0700)
                .add();
        parse(Syscall.OPENAT2, r);
        assertThat(args(s.event))
                .containsExactly(
                        "fd=7",
                        "dirfd=-100",
                        "name=/usr/local/bin/tool",
                        "flags=O_TRUNC|O_CREAT|O_WRONLY",
                        "mode=0700",
                        "resolve=0");
        assertThat(s.event.openWrite).isTrue();
        assertThat(s.event.openExec).as("created executable").isTrue();
    }

    @Test
    void aFailedOpenNamesThePathButLeavesTheTable() {
        RawEvent r = s.syscall(Syscall.OPEN, -13, 0, O_RDWR, 0644)
                .string("/etc/shadow")
                .add();
        FdInfo fd = parse(Syscall.OPEN, r);
        assertThat(fd.name).isEqualTo("/etc/shadow");
        assertThat(s.proc.fds().get(-13)).isNull();
        assertThat(s.proc.fds().size()).isEqualTo(1);
        assertThat(s.event.arg("mode"))
                .as("no O_CREAT: the mode register is not read")
                .isEqualTo("0");
        assertThat(s.event.res).isEqualTo("EACCES");
    }
}
