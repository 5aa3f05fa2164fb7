package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.Abi.AT_FDCWD;
import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;
import static dev.peregrine.detector.syscall.ArgFormat.HEX;
import static dev.peregrine.detector.syscall.ArgFormat.LINKAT_FLAGS;
import static dev.peregrine.detector.syscall.ArgFormat.MODE;
import static dev.peregrine.detector.syscall.ArgFormat.RENAMEAT2_FLAGS;
import static dev.peregrine.detector.syscall.ArgFormat.UNLINKAT_FLAGS;
import static dev.peregrine.detector.syscall.PathResolution.resolve;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Proc;

/**
 * Calls that change files by path without opening them: mkdir, rmdir, unlink, chmod, rename,
 * link, symlink and their *at forms. The tables do not change; the event names the paths
 * resolved against the cwd or dirfd.
 */
final class FileCalls {
    /** @return fchmod's fd; null for the calls that name a path */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        FdInfo fd = null;
        switch (call) {
            case MKDIR, RMDIR, UNLINK -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("path", resolve(p, AT_FDCWD, e.string(0)));
                if (call == Syscall.MKDIR) {
                    ev.addArg("mode", e.arg(1) & 0xffffffffL, HEX);
                }
            }
            case MKDIRAT -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("path", resolve(p, e.arg(0), e.string(0)));
                ev.addArg("mode", e.arg(2) & 0xffffffffL, HEX);
            }
            case UNLINKAT -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("name", resolve(p, e.arg(0), e.string(0)));
                ev.addArg("flags", e.arg(2), UNLINKAT_FLAGS);
            }
            case CHMOD -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("filename", resolve(p, AT_FDCWD, e.string(0)));
                ev.addArg("mode", e.arg(1), MODE);
            }
            case FCHMODAT -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("filename", resolve(p, e.arg(0), e.string(0)));
                ev.addArg("mode", e.arg(2), MODE);
            }
            case FCHMOD -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("mode", e.arg(1), MODE);
            }
            case RENAME, LINK -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("oldpath", resolve(p, AT_FDCWD, e.string(0)));
                ev.addArg("newpath", resolve(p, AT_FDCWD, e.string(1)));
            }
            case RENAMEAT, RENAMEAT2, LINKAT -> {
                boolean link = call == Syscall.LINKAT;
                ev.addArg("res", ret, DECIMAL);
                ev.addArg(link ? "olddir" : "olddirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("oldpath", resolve(p, e.arg(0), e.string(0)));
                ev.addArg(link ? "newdir" : "newdirfd", (int) e.arg(2), DECIMAL);
                ev.addArg("newpath", resolve(p, e.arg(2), e.string(1)));
                if (call != Syscall.RENAMEAT) {
                    ev.addArg("flags", e.arg(4), link ? LINKAT_FLAGS : RENAMEAT2_FLAGS);
                }
            }
            case SYMLINK -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("target", e.string(0));
                ev.addArg("linkpath", resolve(p, AT_FDCWD, e.string(1)));
            }
            case SYMLINKAT -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("target", e.string(0));
                ev.addArg("linkdirfd", (int) e.arg(1), DECIMAL);
                ev.addArg("linkpath", resolve(p, e.arg(1), e.string(1)));
            }
            default -> throw new IllegalArgumentException(call + " is not a file call");
        }
        return fd;
    }
}
