package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.Abi.FD_CLOEXEC;
import static dev.peregrine.detector.syscall.Abi.O_CLOEXEC;
import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;
import static dev.peregrine.detector.syscall.ArgFormat.FD_FLAGS;
import static dev.peregrine.detector.syscall.ArgFormat.MEMFD_FLAGS;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.FdTable;
import dev.peregrine.detector.process.Proc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Calls that close, copy or make fds without a path: close, close_range, dup, dup2, dup3, fcntl,
 * pipe, pipe2, socketpair and memfd_create. Close-on-exec is kept per fd, as exec needs it.
 */
final class FdCalls {
    private static final long F_DUPFD = 0, F_SETFD = 2, F_DUPFD_CLOEXEC = 1030;
    private static final long CLOSE_RANGE_CLOEXEC = 4;

    /** @return the fd the call closed, made or changed, null for none (or several) */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        boolean ok = ret >= 0;
        FdInfo fd = null;
        switch (call) {
            case CLOSE -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                if (ok && p != null) {
                    p.fds().remove(e.arg(0));
                }
                ev.addArg("fd", e.arg(0), DECIMAL);
            }
            case CLOSE_RANGE -> {
                if (ok && p != null) {
                    p.fds()
                            .closeRange(
                                    e.arg(0) & 0xffffffffL,
                                    e.arg(1) & 0xffffffffL,
                                    (e.arg(2) & CLOSE_RANGE_CLOEXEC) != 0);
                }
                ev.addArg("res", ret, DECIMAL);
            }
            case DUP, DUP2, DUP3 -> {
                fd = dup(p, e.arg(0), ret, call == Syscall.DUP3 && (e.arg(2) & O_CLOEXEC) != 0);
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("oldfd", e.arg(0), DECIMAL);
                if (call != Syscall.DUP) {
                    ev.addArg("newfd", e.arg(1), DECIMAL);
                }
                if (call == Syscall.DUP3) {
                    ev.addArg("flags", e.arg(2), FD_FLAGS);
                }
            }
            case FCNTL -> {
                long cmd = e.arg(1);
                if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
                    fd = dup(p, e.arg(0), ret, cmd == F_DUPFD_CLOEXEC);
                } else if (cmd == F_SETFD && p != null) {
                    fd = p.fds().get(e.arg(0));
                    if (ok && fd != null) {
                        fd = fd.copy(fd.num, (e.arg(2) & FD_CLOEXEC) != 0);
                        p.fds().put(fd.num, fd);
                    }
                }
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("cmd", e.arg(1), DECIMAL);
            }
            case PIPE, PIPE2, SOCKETPAIR -> {
                byte[] two = e.param(0);
                if (ok && p != null && two.length == 8) {
                    String kind = call == Syscall.SOCKETPAIR ? "unix" : "pipe";
                    // pipe2's flags and socketpair's type carry O_CLOEXEC (SOCK_CLOEXEC); pipe has neither.
                    long flags = call == Syscall.PIPE ? 0 : e.arg(1);
                    for (int i = 0; i < 2; i++) {
                        long n = Integer.toUnsignedLong(ByteBuffer.wrap(two, 4 * i, 4)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getInt());
                        p.fds()
                                .put(
                                        n,
                                        FdInfo.builder()
                                                .num(n)
                                                .type(kind)
                                                .name(kind)
                                                .cloexec((flags & O_CLOEXEC) != 0)
                                                .build());
                    }
                }
                ev.addArg("res", ret, DECIMAL);
            }
            case MEMFD_CREATE -> {
                String name = e.string(0);
                if (ok && p != null) {
                    // MFD_CLOEXEC is bit 0, as FD_CLOEXEC.
                    fd = FdInfo.builder()
                            .num(ret)
                            .type("memfd")
                            .name(name)
                            .cloexec((e.arg(1) & FD_CLOEXEC) != 0)
                            .build();
                    p.fds().put(ret, fd);
                }
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("name", name);
                ev.addArg("flags", e.arg(1), MEMFD_FLAGS);
            }
            default -> throw new IllegalArgumentException(call + " is not an fd call");
        }
        return fd;
    }

    /** The new fd of dup, dup2, dup3 or fcntl(F_DUPFD*) (see {@link FdTable#dup}). */
    private static FdInfo dup(Proc p, long oldfd, long newfd, boolean cloexec) {
        return p == null ? null : p.fds().dup(oldfd, newfd, cloexec);
    }
}
