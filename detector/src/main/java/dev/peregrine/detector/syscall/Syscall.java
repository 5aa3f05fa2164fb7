package dev.peregrine.detector.syscall;

import dev.peregrine.detector.capture.Syscalls;
import java.util.Locale;

/**
 * Every syscall the capture knows ({@link Syscalls}), with the family whose parser handles it.
 * {@link #of} is the dispatch table: an array indexed by syscall number, built once, so that a
 * record finds its parser without a string switch or a map lookup.
 */
enum Syscall {
    OPEN(Family.OPEN),
    CREAT(Family.OPEN),
    OPENAT(Family.OPEN),
    OPENAT2(Family.OPEN),

    CLOSE(Family.FD),
    CLOSE_RANGE(Family.FD),
    DUP(Family.FD),
    DUP2(Family.FD),
    DUP3(Family.FD),
    FCNTL(Family.FD),
    PIPE(Family.FD),
    PIPE2(Family.FD),
    SOCKETPAIR(Family.FD),
    MEMFD_CREATE(Family.FD),

    SOCKET(Family.SOCKET),
    BIND(Family.SOCKET),
    CONNECT(Family.SOCKET),
    ACCEPT(Family.SOCKET),
    ACCEPT4(Family.SOCKET),
    LISTEN(Family.SOCKET),
    SENDTO(Family.SOCKET),
    SENDMSG(Family.SOCKET),
    RECVFROM(Family.SOCKET),
    RECVMSG(Family.SOCKET),

    MKDIR(Family.FILE),
    MKDIRAT(Family.FILE),
    RMDIR(Family.FILE),
    UNLINK(Family.FILE),
    UNLINKAT(Family.FILE),
    CHMOD(Family.FILE),
    FCHMOD(Family.FILE),
    FCHMODAT(Family.FILE),
    RENAME(Family.FILE),
    RENAMEAT(Family.FILE),
    RENAMEAT2(Family.FILE),
    LINK(Family.FILE),
    LINKAT(Family.FILE),
    SYMLINK(Family.FILE),
    SYMLINKAT(Family.FILE),

    CHDIR(Family.PROCESS),
    FCHDIR(Family.PROCESS),
    EXECVE(Family.PROCESS),
    EXECVEAT(Family.PROCESS),
    PTRACE(Family.PROCESS),

    SETUID(Family.CREDENTIALS),
    SETGID(Family.CREDENTIALS),
    SETRESUID(Family.CREDENTIALS),
    SETRESGID(Family.CREDENTIALS),

    SETNS(Family.KERNEL),
    UNSHARE(Family.KERNEL),
    BPF(Family.KERNEL),
    INIT_MODULE(Family.KERNEL),
    FINIT_MODULE(Family.KERNEL),
    USERFAULTFD(Family.KERNEL),

    // Their events carry the result alone.
    CLONE(Family.OTHER),
    CLONE3(Family.OTHER),
    FORK(Family.OTHER),
    VFORK(Family.OTHER),
    KILL(Family.OTHER),
    SETPGID(Family.OTHER),
    SETSID(Family.OTHER),
    CAPSET(Family.OTHER),
    PRCTL(Family.OTHER),
    CHROOT(Family.OTHER),
    MOUNT(Family.OTHER),
    UMOUNT2(Family.OTHER);

    /** Which parser handles a syscall; each is one small class of this package. */
    enum Family {
        /** {@link OpenCalls} */
        OPEN,
        /** {@link FdCalls} */
        FD,
        /** {@link SocketCalls} */
        SOCKET,
        /** {@link FileCalls} */
        FILE,
        /** {@link ProcessCalls} */
        PROCESS,
        /** {@link CredentialCalls} */
        CREDENTIALS,
        /** {@link KernelCalls} */
        KERNEL,
        /** No parser: the event has its result only. */
        OTHER
    }

    private static final Syscall[] BY_NUMBER = new Syscall[512];

    static {
        for (Syscall s : values()) {
            if (s.number >= 0) BY_NUMBER[s.number] = s;
        }
    }

    final Family family;
    /** Falco's event type; the capture's own string, as the rest of the detector has it. */
    final String type;

    final int number;

    Syscall(Family family) {
        this.family = family;
        String name = name().toLowerCase(Locale.ROOT);
        this.number = Syscalls.number(name);
        this.type = number < 0 ? name : Syscalls.name(number);
    }

    /** The syscall of a record type, or null for one the capture does not name (fork, exec and exit records too). */
    static Syscall of(int recordType) {
        return recordType >= 0 && recordType < BY_NUMBER.length ? BY_NUMBER[recordType] : null;
    }
}
