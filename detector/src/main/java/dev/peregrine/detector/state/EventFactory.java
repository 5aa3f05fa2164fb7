package dev.peregrine.detector.state;

import dev.peregrine.detector.capture.OpenHow;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.SockAddr;
import dev.peregrine.detector.capture.SockTuple;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.Ipv6;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.event.UserInfo;
import dev.peregrine.detector.process.Bound;
import dev.peregrine.detector.process.Paths;
import dev.peregrine.detector.process.Proc;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Turns kernel events into the rules engine's {@link Event}s: keeps the process and fd tables
 * right, resolves paths against cwd and dirfds, formats arguments as Falco prints them, and
 * attaches user and container. Returns null for events that only maintain state.
 *
 * <p>It refills one live {@link Event} per record: the event returned is valid until the next
 * call (take a {@link Event#snapshot()} to keep it). Argument text and the ancestors are left to
 * the event to make when read; everything else is the tables' state right after the syscall.
 *
 * <p>Owned by the event thread; not thread-safe.
 */
public final class EventFactory {
    private static final long AT_FDCWD = -100;
    private static final long EINPROGRESS = -115;
    /** Also SOCK_CLOEXEC. */
    private static final long O_CLOEXEC = 02000000;
    /** Also MFD_CLOEXEC. */
    private static final long FD_CLOEXEC = 1;

    private static final long F_DUPFD = 0, F_SETFD = 2, F_DUPFD_CLOEXEC = 1030;
    private static final long CLOSE_RANGE_CLOEXEC = 4;

    private final ProcessTable processes;
    private final Users users;
    private final ContainerLookup containers;
    private final long bootToEpoch;
    private long sequence;
    private final Event event = Event.live();
    /** The process of the current event, whose ancestors the event looks up when asked. */
    private Proc current;

    private final Event.Lineage lineage = this::ancestorsOfCurrent;
    /** The previous event's user: consecutive events are nearly always of the same user. */
    private UserInfo lastUser;

    private String lastUserRoot;
    private int lastUserForgets;
    /** The current event's socket, when its "tuple" argument names the server's end first (see {@link #tupleArg}). */
    private FdInfo serverFirst;

    private final Event.Formatter serverFirstTuple =
            v -> serverFirst.sip + ":" + serverFirst.sport + "->" + serverFirst.cip + ":" + serverFirst.cport;

    // Formatting of argument values, done only when a rule or an output reads the argument.
    private static final Event.Formatter DECIMAL = Event.DECIMAL;
    private static final Event.Formatter OPEN_FLAGS = ArgFormat::openFlags;
    private static final Event.Formatter MODE = ArgFormat::mode;
    private static final Event.Formatter SOCKET_FAMILY = ArgFormat::socketFamily;
    private static final Event.Formatter PTRACE_REQUEST = ArgFormat::ptraceRequest;
    private static final Event.Formatter CLONE_FLAGS = ArgFormat::cloneFlags;
    private static final Event.Formatter RESOLVE_FLAGS = ArgFormat::resolveFlags;
    private static final Event.Formatter UNLINKAT_FLAGS = ArgFormat::unlinkatFlags;
    private static final Event.Formatter LINKAT_FLAGS = ArgFormat::linkatFlags;
    private static final Event.Formatter RENAMEAT2_FLAGS = ArgFormat::renameat2Flags;
    private static final Event.Formatter MEMFD_FLAGS = ArgFormat::memfdFlags;
    private static final Event.Formatter FD_FLAGS = ArgFormat::fdFlags;
    // Numbers libs prints in octal (open's mode) or hex (mkdir's mode, ptrace's addr and data, an open's dev): "%#o",
    // "%X".
    private static final Event.Formatter OPEN_MODE = v -> v == 0 ? "0" : "0" + Long.toOctalString(v);
    private static final Event.Formatter HEX = v -> Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
    // Falco shows a uid or gid argument as the name the process's root knows it by.
    private final Event.Formatter userName = this::userName;
    private final Event.Formatter groupName = this::groupName;
    // A data buffer's text is made from the record in hand, only when read: the live event and
    // the record it was made from are both valid until the next record.
    private final Event.TextSource dataText = param -> this.record.latin1((int) param);
    private RawEvent record;
    /** The root (container id or "host") and pid of the event in hand, for those two. */
    private String currentRoot = "host";

    private long currentPid;

    /** @param bootToEpoch added to kernel boot-time stamps to get epoch nanoseconds */
    public EventFactory(ProcessTable processes, Users users, ContainerLookup containers, long bootToEpoch) {
        this.processes = processes;
        this.users = users;
        this.containers = containers;
        this.bootToEpoch = bootToEpoch;
        processes.bootToEpochOffset(bootToEpoch);
        // A container's user database is read once and kept while the container is known: it
        // goes with the container, or every container that ever ran would stay cached.
        containers.onForget(c -> users.forget(c.id));
    }

    public Event toEvent(RawEvent e) {
        switch (e.type) {
            case RawEvent.PROC_FORK -> {
                processes.onFork(e);
                return null;
            }
            case RawEvent.PROC_EXIT -> {
                processes.onExit(e);
                return null;
            }
            case RawEvent.PROC_EXEC -> {
                processes.onExec(e);
                Proc p = processes.get(e.pid);
                Event ev = begin(e, e.flag(RawEvent.FLAG_EXECVEAT) ? "execveat" : "execve");
                execArgs(e, p, ev);
                return finish(e, ev, p, null);
            }
            default -> {
                String type = Syscalls.name(e.type);
                return type == null ? null : syscall(e, type, true);
            }
        }
    }

    /**
     * Keeps the tables right for a syscall record without making its event (no container, process
     * or user is attached): for syscalls that no rule looks at, such as close under the stable
     * rules, when no one records events. The event would have been numbered: later events keep
     * the evt.num they would have had. Fork, exec and exit records always go to {@link #toEvent}.
     */
    public void updateTables(RawEvent e) {
        String type = Syscalls.name(e.type);
        if (type != null) {
            syscall(e, type, false);
        }
    }

    private Event syscall(RawEvent e, String type, boolean makeEvent) {
        if (record != e) record = e;
        Proc p = processes.get(e.pid);
        Event ev = begin(e, type);
        FdInfo fd = null;
        long ret = e.ret;
        boolean ok = ret >= 0;
        switch (type) {
            case "open", "creat" -> {
                boolean creat = type.equals("creat");
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
            case "openat", "openat2" -> {
                OpenHow how = type.equals("openat2") ? e.openHow(1) : null;
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
            case "close" -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                if (ok && p != null) {
                    p.fds().remove(e.arg(0));
                }
                ev.addArg("fd", e.arg(0), DECIMAL);
            }
            case "close_range" -> {
                if (ok && p != null) {
                    p.fds()
                            .closeRange(
                                    e.arg(0) & 0xffffffffL,
                                    e.arg(1) & 0xffffffffL,
                                    (e.arg(2) & CLOSE_RANGE_CLOEXEC) != 0);
                }
                ev.addArg("res", ret, DECIMAL);
            }
            case "dup", "dup2", "dup3" -> {
                fd = dup(p, e.arg(0), ret, type.equals("dup3") && (e.arg(2) & O_CLOEXEC) != 0);
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("oldfd", e.arg(0), DECIMAL);
                if (!type.equals("dup")) {
                    ev.addArg("newfd", e.arg(1), DECIMAL);
                }
                if (type.equals("dup3")) {
                    ev.addArg("flags", e.arg(2), FD_FLAGS);
                }
            }
            case "fcntl" -> {
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
            case "socket" -> {
                if (ok && p != null) {
                    fd = FdInfo.builder()
                            .num(ret)
                            .type(socketType(e.arg(0)))
                            .l4proto(l4(e.arg(1) & 0xf, 0))
                            .cloexec((e.arg(1) & O_CLOEXEC) != 0)
                            .build();
                    p.fds().put(ret, fd);
                }
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("domain", e.arg(0), SOCKET_FAMILY);
                ev.addArg("type", e.arg(1), DECIMAL);
                ev.addArg("proto", e.arg(2), DECIMAL);
            }
            case "bind" -> {
                FdInfo known = p == null ? null : p.fds().get(e.arg(0));
                Bound addr = Bound.decode(e.param(1));
                fd = ok && addr != null ? bind(p, e.arg(0), e.tuple(0), known, addr) : known;
                // Falco's bind exit event: res, addr (the address the caller passed), fd
                ev.addArg("res", ret, DECIMAL);
                if (addr != null) ev.addArg("addr", addr.name());
                ev.addArg("fd", e.arg(0), DECIMAL);
            }
            case "connect", "accept", "accept4", "listen", "sendto", "sendmsg", "recvfrom", "recvmsg" -> {
                boolean accept = type.startsWith("accept");
                boolean inbound = type.startsWith("recv");
                long num = accept ? ret : e.arg(0);
                SockTuple own = e.tuple(0);
                SockTuple t = type.startsWith("send") || inbound ? withPeer(own, e) : own;
                FdInfo known = p == null ? null : p.fds().get(num);
                boolean connected = accept || (type.equals("connect") && (ok || ret == EINPROGRESS));
                // An accepted socket is a new fd: accept4's flags say whether it closes on exec.
                boolean cloexec =
                        accept ? type.equals("accept4") && (e.arg(3) & O_CLOEXEC) != 0 : known != null && known.cloexec;
                if (!accept
                        && known != null
                        && known.serverSocket
                        && (type.equals("listen") || (!ok && ret != EINPROGRESS) || (t.isIp() && t.rport() == 0))) {
                    // A server socket stays one until a call gives it a peer, as in libsinsp: listen
                    // does not rename it, nor does a call that failed or had no peer.
                    fd = known;
                } else if (type.equals("listen") && ok && t.isIp()) {
                    fd = serverSocket(p, num, t, cloexec);
                } else {
                    fd = socket(p, num, t, known, role(type, ret, known), connected, cloexec, t != own, accept);
                }
                // The driver writes the tuple remote end first for accept and receives, local end first otherwise.
                boolean tuple = t.isIp(), remoteFirst = accept || inbound;
                // In the order of Falco's exit events (without accept's queue figures and recvmsg's msgcontrol).
                switch (type) {
                    case "accept", "accept4" -> {
                        ev.addArg("fd", ret, DECIMAL);
                        if (tuple) tupleArg(ev, fd, remoteFirst);
                    }
                    case "listen" -> {
                        ev.addArg("res", ret, DECIMAL);
                        ev.addArg("fd", e.arg(0), DECIMAL);
                        ev.addArg("backlog", (int) e.arg(1), DECIMAL);
                    }
                    case "sendto", "sendmsg" -> {
                        ev.addArg("res", ret, DECIMAL);
                        ev.addArg("data", 2, dataText);
                        ev.addArg("fd", e.arg(0), DECIMAL);
                        // sendto's is its len argument, sendmsg's the sum of its iovecs' lengths (from the kernel side)
                        ev.addArg("size", type.equals("sendto") ? e.arg(2) & 0xffffffffL : e.u32Param(3), DECIMAL);
                        if (tuple) tupleArg(ev, fd, remoteFirst);
                    }
                    case "recvfrom", "recvmsg" -> {
                        ev.addArg("res", ret, DECIMAL);
                        // recvmsg's size is what it received, as Falco's driver writes it (0 when nothing was)
                        if (type.equals("recvmsg")) ev.addArg("size", ret > 0 ? ret & 0xffffffffL : 0, DECIMAL);
                        ev.addArg("data", 2, dataText);
                        if (tuple) tupleArg(ev, fd, remoteFirst);
                        ev.addArg("fd", e.arg(0), DECIMAL);
                        if (type.equals("recvfrom")) ev.addArg("size", e.arg(2) & 0xffffffffL, DECIMAL);
                    }
                    default -> {
                        ev.addArg("res", ret, DECIMAL);
                        if (tuple) tupleArg(ev, fd, remoteFirst);
                        ev.addArg("fd", e.arg(0), DECIMAL);
                    }
                }
            }
            case "pipe", "pipe2", "socketpair" -> {
                byte[] two = e.param(0);
                if (ok && p != null && two.length == 8) {
                    String kind = type.equals("socketpair") ? "unix" : "pipe";
                    // pipe2's flags and socketpair's type carry O_CLOEXEC (SOCK_CLOEXEC); pipe has neither.
                    long flags = type.equals("pipe") ? 0 : e.arg(1);
                    for (int i = 0; i < 2; i++) {
                        long n = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(two, 4 * i, 4)
                                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
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
            case "chdir" -> {
                if (ok && p != null) {
                    p.chdir(Paths.join(p.cwd(), e.string(0)));
                }
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("path", e.string(0));
            }
            case "fchdir" -> {
                FdInfo dir = p == null ? null : p.fds().get(e.arg(0));
                if (ok && dir != null && dir.name != null) {
                    p.chdir(dir.name);
                }
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
            }
            case "execve", "execveat" -> { // failed: a successful exec arrives as PROC_EXEC
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("filename", resolve(p, type.equals("execveat") ? e.arg(0) : AT_FDCWD, e.string(0)));
            }
            case "mkdir", "rmdir", "unlink" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("path", resolve(p, AT_FDCWD, e.string(0)));
                if (type.equals("mkdir")) {
                    ev.addArg("mode", e.arg(1) & 0xffffffffL, HEX);
                }
            }
            case "mkdirat" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("path", resolve(p, e.arg(0), e.string(0)));
                ev.addArg("mode", e.arg(2) & 0xffffffffL, HEX);
            }
            case "unlinkat" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("name", resolve(p, e.arg(0), e.string(0)));
                ev.addArg("flags", e.arg(2), UNLINKAT_FLAGS);
            }
            case "chmod" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("filename", resolve(p, AT_FDCWD, e.string(0)));
                ev.addArg("mode", e.arg(1), MODE);
            }
            case "fchmodat" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("dirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("filename", resolve(p, e.arg(0), e.string(0)));
                ev.addArg("mode", e.arg(2), MODE);
            }
            case "fchmod" -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("mode", e.arg(1), MODE);
            }
            case "rename", "link" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("oldpath", resolve(p, AT_FDCWD, e.string(0)));
                ev.addArg("newpath", resolve(p, AT_FDCWD, e.string(1)));
            }
            case "renameat", "renameat2", "linkat" -> {
                boolean link = type.equals("linkat");
                ev.addArg("res", ret, DECIMAL);
                ev.addArg(link ? "olddir" : "olddirfd", (int) e.arg(0), DECIMAL);
                ev.addArg("oldpath", resolve(p, e.arg(0), e.string(0)));
                ev.addArg(link ? "newdir" : "newdirfd", (int) e.arg(2), DECIMAL);
                ev.addArg("newpath", resolve(p, e.arg(2), e.string(1)));
                if (!type.equals("renameat")) {
                    ev.addArg("flags", e.arg(4), link ? LINKAT_FLAGS : RENAMEAT2_FLAGS);
                }
            }
            case "symlink" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("target", e.string(0));
                ev.addArg("linkpath", resolve(p, AT_FDCWD, e.string(1)));
            }
            case "symlinkat" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("target", e.string(0));
                ev.addArg("linkdirfd", (int) e.arg(1), DECIMAL);
                ev.addArg("linkpath", resolve(p, e.arg(1), e.string(1)));
            }
            case "ptrace" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("addr", e.arg(2), HEX);
                ev.addArg("data", e.arg(3), HEX);
                ev.addArg("request", e.arg(0), PTRACE_REQUEST);
                ev.addArg("pid", e.arg(1), DECIMAL);
            }
            case "setuid", "setgid" -> {
                boolean user = type.equals("setuid");
                ev.addArg("res", ret, DECIMAL);
                ev.addArg(user ? "uid" : "gid", e.arg(0) & 0xffffffffL, user ? userName : groupName);
            }
            case "setresuid", "setresgid" -> {
                boolean user = type.equals("setresuid");
                Event.Formatter name = user ? userName : groupName;
                ev.addArg("res", ret, DECIMAL);
                ev.addArg(user ? "ruid" : "rgid", (int) e.arg(0), name);
                ev.addArg(user ? "euid" : "egid", (int) e.arg(1), name);
                ev.addArg(user ? "suid" : "sgid", (int) e.arg(2), name);
            }
            case "setns" -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("nstype", e.arg(1), CLONE_FLAGS);
            }
            case "unshare" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("flags", e.arg(0), CLONE_FLAGS);
            }
            case "bpf" -> {
                // Falco's bpf exit event: the result (a new fd for the commands that make one) and the command number.
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("cmd", (int) e.arg(0), DECIMAL);
            }
            case "init_module" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("length", e.arg(1), DECIMAL);
                ev.addArg("uargs", e.string(0));
            }
            case "finit_module" -> {
                fd = p == null ? null : p.fds().get(e.arg(0));
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("uargs", e.string(0));
                ev.addArg("flags", (int) e.arg(2), DECIMAL);
            }
            case "userfaultfd" -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("flags", e.arg(0), FD_FLAGS);
            }
            case "memfd_create" -> {
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
            default -> ev.addArg("res", ret, DECIMAL);
        }
        if (p != null) {
            p.credentials(Integer.toUnsignedLong(e.uid), Integer.toUnsignedLong(e.gid));
        }
        return makeEvent ? finish(e, ev, p, fd) : null;
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

    private Event begin(RawEvent e, String type) {
        event.reset(e.tsBootNs + bootToEpoch, ++sequence, type, e.ret);
        return event;
    }

    /** Attaches process, ancestry, fd, container and user: the tables' state after the syscall. */
    private Event finish(RawEvent e, Event ev, Proc p, FdInfo fd) {
        ContainerInfo container =
                containers.lookup(e.cgroupId, e.type == RawEvent.PROC_EXEC ? e.string(4) : null, e.pid);
        String root = container.isHost() ? "host" : container.id;
        if (currentRoot != root) currentRoot = root;
        currentPid = e.pid;
        // Written only when changed, like the live event's fields (see Event): both live long.
        if (current != p) current = p;
        ProcessInfo proc = ProcessInfo.UNKNOWN;
        if (p != null) {
            p.containerId(root);
            proc = processes.info(p);
            ev.lineage(lineage);
        }
        ev.state(proc, user(root, e), fd, container);
        return ev;
    }

    private int ancestorsOfCurrent(ProcessInfo[] into) {
        return processes.ancestors(current, into);
    }

    private String userName(long uid) {
        Users.Account account = users.user(currentRoot, uid, currentPid);
        return account == null ? Long.toString(uid) : account.name();
    }

    private String groupName(long gid) {
        String name = users.group(currentRoot, gid, currentPid);
        return name == null ? Long.toString(gid) : name;
    }

    private UserInfo user(String root, RawEvent e) {
        long uid = Integer.toUnsignedLong(e.uid);
        long gid = Integer.toUnsignedLong(e.gid);
        long loginuid = e.loginuid == -1 ? -1 : Integer.toUnsignedLong(e.loginuid);
        UserInfo last = lastUser;
        if (last != null
                && last.uid() == uid
                && last.gid() == gid
                && last.loginuid() == loginuid
                && root.equals(lastUserRoot)
                && users.forgets() == lastUserForgets) {
            return last;
        }
        int forgets = users.forgets();
        long[] pids = candidatePids(root, e);
        Users.Account account = users.user(root, uid, pids);
        Users.Account login = loginuid < 0 ? null : users.user(root, loginuid, pids);
        UserInfo u = new UserInfo(
                uid,
                account == null ? null : account.name(),
                loginuid,
                login == null ? null : login.name(),
                account == null ? null : account.homedir(),
                account == null ? null : account.shell(),
                gid,
                users.group(root, gid, pids));
        // Only names from a database that is read can be reused: an unreadable one is tried again next event.
        if (users.known(root)) {
            lastUser = u;
            lastUserRoot = root;
            lastUserForgets = forgets;
        } else {
            lastUser = null;
        }
        return u;
    }

    /**
     * Processes whose root is the container's: the event's own first, then live ones of its
     * cgroup, since a short-lived process has often exited before its event is read. Only asked
     * for while the container's user database is not cached yet.
     */
    private long[] candidatePids(String container, RawEvent e) {
        if ("host".equals(container) || users.known(container)) {
            return new long[] {e.pid};
        }
        long[] others = containers.pids(e.cgroupId);
        long[] all = new long[others.length + 1];
        all[0] = e.pid;
        System.arraycopy(others, 0, all, 1, others.length);
        return all;
    }

    private static void execArgs(RawEvent e, Proc p, Event ev) {
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

    /** The fd an open made; {@code flags} are open's (openat2's from its struct open_how). */
    private FdInfo openFile(Proc p, long ret, long dirfd, String path, long flags) {
        String name = resolve(p, dirfd, path);
        boolean directory = (flags & 0200000) != 0;
        FdInfo fd = FdInfo.file(ret, directory, name, path, (flags & O_CLOEXEC) != 0);
        if (ret >= 0 && p != null) {
            p.fds().put(ret, fd);
        }
        return fd;
    }

    private String resolve(Proc p, long dirfd, String path) {
        if (path.startsWith("/")) {
            return Paths.normalize(path);
        }
        String base = null;
        if (p != null) {
            if ((int) dirfd == (int) AT_FDCWD) {
                base = p.cwd();
            } else {
                FdInfo dir = p.fds().get((long) (int) dirfd);
                base = dir == null ? null : dir.name;
            }
        }
        return base == null ? path : Paths.join(base, path);
    }

    /** The new fd of dup, dup2, dup3 or fcntl(F_DUPFD*) (see FdTable.dup). */
    private static FdInfo dup(Proc p, long oldfd, long newfd, boolean cloexec) {
        return p == null ? null : p.fds().dup(oldfd, newfd, cloexec);
    }

    /**
     * The role libsinsp would give the socket after this syscall: accept and listen make a server
     * (as bind to a port does, see {@link #bind}), a connect that succeeded (or is under way) a
     * client, and a send or receive keeps what was decided. Only a socket without a role (seen by
     * socket(), a bind to port 0 or /proc alone) takes one
     * from its first successful send or receive, guessed as libsinsp does when the ports tell
     * nothing: a server reads first, a client writes first. So a datagram received on a role-less
     * unconnected socket is client (its sender) to server (this socket).
     */
    private static FdInfo.Role role(String type, long ret, FdInfo known) {
        FdInfo.Role had = known == null ? FdInfo.Role.NONE : known.role;
        boolean ok = ret >= 0;
        return switch (type) {
            case "accept", "accept4" -> FdInfo.Role.SERVER;
            case "listen" -> ok ? FdInfo.Role.SERVER : had;
            case "connect" -> ok || ret == EINPROGRESS ? FdInfo.Role.CLIENT : had;
            case "sendto", "sendmsg", "recvfrom", "recvmsg" ->
                had != FdInfo.Role.NONE || !ok
                        ? had
                        : type.startsWith("recv") ? FdInfo.Role.SERVER : FdInfo.Role.CLIENT;
            default -> had;
        };
    }

    /**
     * The tuple with the address the call sent to or received from as its remote end, for a
     * socket that has no peer of its own (unconnected UDP): Falco's tuple of sendto, sendmsg,
     * recvfrom and recvmsg.
     */
    private static SockTuple withPeer(SockTuple t, RawEvent e) {
        if (!t.isIp() || t.rport() != 0) {
            return t;
        }
        SockAddr peer = e.sockaddr(1);
        return peer.isIp()
                ? new SockTuple(t.family(), t.type(), t.protocol(), t.lport(), peer.port(), t.laddr(), peer.address())
                : t;
    }

    /**
     * The fd after a successful bind, as libsinsp's parse_bind_exit makes it: an IP socket bound
     * to a port becomes a server socket (fd.sip and fd.sport the address bind was given, role
     * server), named {@code ip:port}; bound to port 0 it only takes that name (the kernel picks
     * the port; its tuple is still the kernel's); a unix socket is named after its path.
     */
    private static FdInfo bind(Proc p, long num, SockTuple t, FdInfo known, Bound a) {
        boolean cloexec = known != null && known.cloexec;
        FdInfo fd;
        if (a.ip() != null && a.port() > 0) {
            fd = FdInfo.builder()
                    .num(num)
                    .type(a.v6() ? "ipv6" : "ipv4")
                    .l4proto(l4proto(t, known))
                    .server(a.ip(), a.port())
                    .name(a.name())
                    .role(FdInfo.Role.SERVER)
                    .serverSocket(true)
                    .cloexec(cloexec)
                    .build();
        } else if (a.ip() != null) {
            return socket(
                    p,
                    num,
                    t,
                    known,
                    known == null ? FdInfo.Role.NONE : known.role,
                    false,
                    cloexec,
                    false,
                    false,
                    a.name());
        } else {
            fd = FdInfo.builder()
                    .num(num)
                    .type("unix")
                    .name(a.name())
                    .role(known == null ? FdInfo.Role.NONE : known.role)
                    .cloexec(cloexec)
                    .build();
        }
        if (p != null) {
            p.fds().put(num, fd);
        }
        return fd;
    }

    /**
     * A listening socket that bind did not make a server socket (bound to port 0, or not bound:
     * the kernel chose the port), made one from its own end as the kernel has it after listen.
     * libsinsp leaves such a socket as bind left it; the detector names it as it names a socket
     * bound to that port.
     */
    private static FdInfo serverSocket(Proc p, long num, SockTuple t, boolean cloexec) {
        boolean v6 = t.family() == SockTuple.AF_INET6 && !v4Like(t.laddr());
        String ip = address(t.laddr(), v6);
        FdInfo fd = FdInfo.builder()
                .num(num)
                .type(v6 ? "ipv6" : "ipv4")
                .l4proto(l4(t.type(), t.protocol()))
                .server(ip, t.lport())
                .name(ip + ":" + t.lport())
                .role(FdInfo.Role.SERVER)
                .serverSocket(true)
                .cloexec(cloexec)
                .build();
        if (p != null) {
            p.fds().put(num, fd);
        }
        return fd;
    }

    /** The transport of a socket being bound: what socket() said, else what the kernel says. */
    private static String l4proto(SockTuple t, FdInfo known) {
        return known != null && known.l4proto != null ? known.l4proto : l4(t.type(), t.protocol());
    }

    private static FdInfo socket(
            Proc p,
            long num,
            SockTuple t,
            FdInfo known,
            FdInfo.Role role,
            boolean connected,
            boolean cloexec,
            boolean peerFromCall,
            boolean accept) {
        return socket(p, num, t, known, role, connected, cloexec, peerFromCall, accept, null);
    }

    /**
     * @param role which end is this process's (see {@link #role}); it puts the local and remote ends on the client or server side
     * @param peerFromCall the remote end is the address the call passed or received (see {@link #withPeer})
     * @param accept the fd is new (accept's): it takes nothing from an fd the table had under its number
     * @param name the fd's name when not its tuple (a socket bound to port 0: the address bind was given)
     */
    private static FdInfo socket(
            Proc p,
            long num,
            SockTuple t,
            FdInfo known,
            FdInfo.Role role,
            boolean connected,
            boolean cloexec,
            boolean peerFromCall,
            boolean accept,
            String name) {
        FdInfo.Builder b = FdInfo.builder().num(num).role(role).cloexec(cloexec).name(name);
        if (t.isIp()) {
            // Like libscap, an AF_INET6 socket whose ends are IPv4-mapped (or unspecified) is an IPv4 socket.
            boolean v6 = t.family() == SockTuple.AF_INET6 && !(v4Like(t.laddr()) && v4Like(t.raddr()));
            String local = address(t.laddr(), v6);
            String remote = address(t.raddr(), v6);
            b.type(v6 ? "ipv6" : "ipv4").l4proto(l4(t.type(), t.protocol()));
            // Falco's tuple is client->server; the role says which end is local.
            if (role == FdInfo.Role.SERVER) {
                b.client(remote, t.rport()).server(local, t.lport());
            } else {
                b.client(local, t.lport()).server(remote, t.rport());
            }
            b.connected(connected || (known != null && known.connected));
        } else if (t.family() == SockTuple.AF_UNIX) {
            // a unix socket keeps the path bind named it after (listen on it, a send on it)
            b.type("unix").name(accept || known == null ? name : known.name);
        } else if (known != null) {
            return known;
        } else {
            b.type("ipv4");
        }
        FdInfo fd = b.build();
        if (p != null && num >= 0) {
            p.fds().put(num, fd);
        }
        // A datagram to or from another peer renames the socket: fd.name_changed, which belongs to
        // this event alone (the table keeps the fd without it).
        if (peerFromCall && fd.name != null && (known == null || !fd.name.equals(known.name))) {
            fd = b.nameChanged(true).build();
        }
        return fd;
    }

    /**
     * The "tuple" argument as Falco's driver writes it: the local end first, but the remote end
     * first for accept and receives (inbound). fd.name is client first, so one of the two orders
     * is the fd's name; the other is made only if read.
     */
    private void tupleArg(Event ev, FdInfo fd, boolean inbound) {
        if (inbound == fd.server) {
            ev.addArg("tuple", fd.name);
        } else {
            serverFirst = fd;
            ev.addArg("tuple", 0, serverFirstTuple);
        }
    }

    /** Java turns an IPv4-mapped IPv6 address into an Inet4Address already; "::" goes with either family. */
    private static boolean v4Like(InetAddress a) {
        return a instanceof Inet4Address || a.isAnyLocalAddress();
    }

    /** An address as Falco prints it: dotted IPv4, or IPv6 as inet_ntop writes it ("::1", not Java's "0:0:0:0:0:0:0:1"). */
    static String address(InetAddress a, boolean v6) {
        if (a instanceof Inet6Address) {
            return v6 ? Ipv6.format(a.getAddress()) : "0.0.0.0";
        }
        return v6 ? "::ffff:" + a.getHostAddress() : a.getHostAddress();
    }

    private static String socketType(long domain) {
        return switch ((int) domain) {
            case 1 -> "unix";
            case 10 -> "ipv6";
            case 16 -> "netlink";
            default -> "ipv4";
        };
    }

    private static String l4(long sockType, long protocol) {
        if (protocol == 6 || (protocol == 0 && sockType == 1)) {
            return "tcp";
        }
        if (protocol == 17 || (protocol == 0 && sockType == 2)) {
            return "udp";
        }
        if (protocol == 1 || protocol == 58) {
            return "icmp";
        }
        return sockType == 3 ? "raw" : null;
    }
}
