package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.Abi.AT_FDCWD;
import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;
import static dev.peregrine.detector.syscall.ArgFormat.HEX;
import static dev.peregrine.detector.syscall.ArgFormat.PTRACE_REQUEST;
import static dev.peregrine.detector.syscall.PathResolution.resolve;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Paths;
import dev.peregrine.detector.process.Proc;

/**
 * Calls about the process itself: chdir and fchdir (its cwd), a failed execve or execveat,
 * ptrace; and the arguments of a successful exec, which arrives as its own record after the
 * process table has taken the new image.
 */
final class ProcessCalls {
    /** @return null: none of these has an fd of its own */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        boolean ok = ret >= 0;
        switch (call) {
            case CHDIR -> {
                if (ok && p != null) {
                    p.chdir(Paths.join(p.cwd(), e.string(0)));
                }
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("path", e.string(0));
            }
            case FCHDIR -> {
                FdInfo dir = p == null ? null : p.fds().get(e.arg(0));
                if (ok && dir != null && dir.name != null) {
                    p.chdir(dir.name);
                }
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
            }
            case EXECVE, EXECVEAT -> { // failed: a successful exec arrives as PROC_EXEC
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("filename", resolve(p, call == Syscall.EXECVEAT ? e.arg(0) : AT_FDCWD, e.string(0)));
            }
            case PTRACE -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("addr", e.arg(2), HEX);
                ev.addArg("data", e.arg(3), HEX);
                ev.addArg("request", e.arg(0), PTRACE_REQUEST);
                ev.addArg("pid", e.arg(1), DECIMAL);
            }
            default -> throw new IllegalArgumentException(call + " is not a process call");
        }
        return null;
    }

    /** Falco's execve exit arguments of a successful exec (a PROC_EXEC record), from the process as exec left it. */
    void exec(RawEvent e, Proc p, Event ev) {
        ev.addArg("res", "0");
        ev.addArg("exe", p == null ? e.string(0) : p.exe());
        ev.addArg("args", p == null ? "" : String.join(" ", p.args()));
        ev.addArg("filename", e.string(0));
        StringBuilder flags = new StringBuilder();
        if (p != null) {
            if (p.exeWritable()) {
                flags.append("EXE_WRITABLE");
            }
            if (e.flag(RawEvent.FLAG_EXE_OVERLAY)) {
                flags.append(flags.isEmpty() ? "" : "|")
                        .append(p.exeUpperLayer() ? "EXE_UPPER_LAYER" : "EXE_LOWER_LAYER");
            }
            if (p.exeFromMemfd()) {
                flags.append(flags.isEmpty() ? "" : "|").append("EXE_FROM_MEMFD");
            }
        }
        ev.addArg("flags", flags.isEmpty() ? "0" : flags.toString());
    }
}
