package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Proc;

/**
 * setuid, setgid, setresuid and setresgid. Every syscall record carries its thread's ids after
 * the call, which {@link SyscallEvents} writes into the process; these events only show the ids
 * asked for, as names the process's root knows them by (Falco's).
 */
final class CredentialCalls {
    private final Event.Formatter userName;
    private final Event.Formatter groupName;

    /** @param userName a uid as a name (see {@link EventUsers#userName}); {@code groupName} a gid */
    CredentialCalls(Event.Formatter userName, Event.Formatter groupName) {
        this.userName = userName;
        this.groupName = groupName;
    }

    /** @return null: no fd */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        switch (call) {
            case SETUID, SETGID -> {
                boolean user = call == Syscall.SETUID;
                ev.addArg("res", ret, DECIMAL);
                ev.addArg(user ? "uid" : "gid", e.arg(0) & 0xffffffffL, user ? userName : groupName);
            }
            case SETRESUID, SETRESGID -> {
                boolean user = call == Syscall.SETRESUID;
                Event.Formatter name = user ? userName : groupName;
                ev.addArg("res", ret, DECIMAL);
                ev.addArg(user ? "ruid" : "rgid", (int) e.arg(0), name);
                ev.addArg(user ? "euid" : "egid", (int) e.arg(1), name);
                ev.addArg(user ? "suid" : "sgid", (int) e.arg(2), name);
            }
            default -> throw new IllegalArgumentException(call + " is not a credentials call");
        }
        return null;
    }
}
