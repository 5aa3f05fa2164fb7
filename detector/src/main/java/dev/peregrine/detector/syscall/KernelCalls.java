package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.ArgFormat.CLONE_FLAGS;
import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;
import static dev.peregrine.detector.syscall.ArgFormat.FD_FLAGS;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Proc;

/**
 * Calls that reach into the kernel itself, which rules watch as privilege or escape attempts:
 * setns and unshare (namespaces), bpf, init_module and finit_module, userfaultfd. The tables do
 * not change.
 */
final class KernelCalls {
    /** @return the fd setns or finit_module was given, null for the others */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        FdInfo fd = null;
        switch (call) {
            case SETNS -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("nstype", e.arg(1), CLONE_FLAGS);
            }
            case UNSHARE -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("flags", e.arg(0), CLONE_FLAGS);
            }
            case BPF -> {
                // Falco's bpf exit event: the result (a new fd for the commands that make one) and the command number.
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("cmd", (int) e.arg(0), DECIMAL);
            }
            case INIT_MODULE -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("length", e.arg(1), DECIMAL);
                ev.addArg("uargs", e.string(0));
            }
            case FINIT_MODULE -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("uargs", e.string(0));
                ev.addArg("flags", (int) e.arg(2), DECIMAL);
            }
            case USERFAULTFD -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("flags", e.arg(0), FD_FLAGS);
            }
            default -> throw new IllegalArgumentException(call + " is not a kernel call");
        }
        return fd;
    }
}
