package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.Abi.AT_FDCWD;
import static dev.peregrine.detector.syscall.Abi.O_CLOEXEC;
import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;
import static dev.peregrine.detector.syscall.ArgFormat.HEX;
import static dev.peregrine.detector.syscall.ArgFormat.OPEN_FLAGS;
import static dev.peregrine.detector.syscall.ArgFormat.OPEN_MODE;
import static dev.peregrine.detector.syscall.ArgFormat.RESOLVE_FLAGS;
import static dev.peregrine.detector.syscall.PathResolution.resolve;

import dev.peregrine.detector.capture.OpenHow;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Proc;

/**
 * open, creat, openat and openat2: the new fd, named by the resolved path, goes into the fd
 * table; the event gets Falco's exit arguments and evt.is_open_read/write/exec.
 */
final class OpenCalls {
    /** @return the fd the open made (also when it failed: the event still names the path) */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        FdInfo fd;
        switch (call) {
            case OPEN, CREAT -> {
                boolean creat = call == Syscall.CREAT;
                // creat is open(O_CREAT|O_WRONLY|O_TRUNC): the fd table takes those flags, but
                // Falco's creat event has no flags argument, and no evt.is_open_* (libsinsp
                // computes those for the open family only).
                long flags = creat ? 01101 : e.arg(1);
                long mode = openMode(flags, creat ? e.arg(1) : e.arg(2));
                String name = e.string(0);
                fd = openFile(p, ret, AT_FDCWD, name, flags);
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("name", fd.name); // resolved, as Falco's evt.arg gives a path
                if (!creat) {
                    ev.addArg("flags", flags, OPEN_FLAGS);
                }
                ev.addArg("mode", mode, OPEN_MODE);
                fileId(ev, e);
                if (!creat) {
                    openAccess(ev, flags, mode);
                }
            }
            case OPENAT, OPENAT2 -> {
                OpenHow how = call == Syscall.OPENAT2 ? e.openHow(1) : null;
                long flags = how != null ? how.flags() : e.arg(2);
                long mode = openMode(flags, how != null ? how.mode() : e.arg(3));
                String name = e.string(0);
                fd = openFile(p, ret, e.arg(0), name, flags);
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("name", fd.name);
                ev.addArg("flags", flags, OPEN_FLAGS);
                ev.addArg("mode", mode, OPEN_MODE);
                if (how != null) {
                    ev.addArg("resolve", how.resolve(), RESOLVE_FLAGS);
                } else {
                    fileId(ev, e);
                }
                openAccess(ev, flags, mode);
            }
            default -> throw new IllegalArgumentException(call + " is not an open");
        }
        return fd;
    }

    /** The fd an open made; {@code flags} are open's (openat2's from its struct open_how). */
    private static FdInfo openFile(Proc p, long ret, long dirfd, String path, long flags) {
        String name = resolve(p, dirfd, path);
        boolean directory = (flags & 0200000) != 0;
        FdInfo fd = FdInfo.file(ret, directory, name, path, (flags & O_CLOEXEC) != 0);
        if (ret >= 0 && p != null) {
            p.fds().put(ret, fd);
        }
        return fd;
    }

    /**
     * The permission bits of an open's mode. The kernel reads the mode only to create a file;
     * otherwise it is whatever the register held, and Falco shows 0.
     */
    private static long openMode(long flags, long mode) {
        return (flags & (0100 | 020000000)) != 0 ? mode & 07777 : 0; // O_CREAT, __O_TMPFILE
    }

    /**
     * Falco's dev and ino of open, openat and creat: the new fd's device (as stat's st_dev, in
     * hex as libs prints a PF_HEX number) and inode; 0 when the open failed.
     */
    private static void fileId(Event ev, RawEvent e) {
        ev.addArg("dev", e.fileDev(1), HEX);
        ev.addArg("ino", e.fileIno(1), DECIMAL);
    }

    /**
     * evt.is_open_read/write/exec from the numbers. Falco derives them from the flags' names
     * (O_RDONLY or O_RDWR, ...); {@link ArgFormat#openFlags} names the access mode after exactly
     * these PPM bits and O_CREAT after bit 2; the mode is printed in octal (an event built from
     * text reads its 0111 bits back, see Event).
     */
    private static void openAccess(Event ev, long flags, long mode) {
        long ppm = ArgFormat.openFlagsToPpm(flags);
        long access = ppm & 3;
        ev.openRead = access == 1 || access == 3;
        ev.openWrite = access == 2 || access == 3;
        ev.openExec = (ppm & (1 << 2)) != 0 && (mode & 0111) != 0;
    }
}
