package dev.peregrine.detector.state;

import dev.peregrine.detector.capture.OpenHow;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.SockTuple;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.Ipv6;
import dev.peregrine.detector.event.UserInfo;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns kernel events into the rules engine's {@link Event}s: keeps the process and fd tables
 * right, resolves paths against cwd and dirfds, formats arguments as Falco prints them, and
 * attaches user and container. Returns null for events that only maintain state.
 *
 * <p>Owned by the event thread; not thread-safe.
 */
public final class EventFactory {
    private static final long AT_FDCWD = -100;
    private static final long EINPROGRESS = -115;

    private final ProcessTable processes;
    private final Users users;
    private final ContainerLookup containers;
    private final long bootToEpoch;
    private long sequence;

    /** The container of a thread, from its cgroup; never blocks (see {@link ContainerTable#lookup}). */
    public interface ContainerLookup {
        ContainerInfo lookup(long cgroupId, String cgroupLeaf, long pid);

        /** Live processes of the cgroup, to read its root's files; empty when unknown. */
        default long[] pids(long cgroupId) {
            return new long[0];
        }
    }

    /** @param bootToEpoch added to kernel boot-time stamps to get epoch nanoseconds */
    public EventFactory(ProcessTable processes, Users users, ContainerLookup containers, long bootToEpoch) {
        this.processes = processes;
        this.users = users;
        this.containers = containers;
        this.bootToEpoch = bootToEpoch;
        processes.bootToEpochOffset(bootToEpoch);
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
                return build(e, "execve", e.ret, execArgs(e), null);
            }
            default -> {
                String type = Syscalls.name(e.type);
                return type == null ? null : syscall(e, type);
            }
        }
    }

    private Event syscall(RawEvent e, String type) {
        Proc p = processes.byThread(e.tid, e.pid);
        Map<String, String> args = new LinkedHashMap<>();
        FdInfo fd = null;
        long ret = e.ret;
        boolean ok = ret >= 0;
        switch (type) {
            case "open", "creat" -> {
                fd = openFile(p, ret, AT_FDCWD, e.string(0), type.equals("creat") ? 01101 : e.arg(1));
                args.put("fd", Long.toString(ret));
                args.put("name", e.string(0));
                args.put("flags", ArgFormat.openFlags(type.equals("creat") ? 01101 : e.arg(1)));
                args.put("mode", ArgFormat.mode(type.equals("creat") ? e.arg(1) : e.arg(2)));
            }
            case "openat", "openat2" -> {
                OpenHow how = type.equals("openat2") ? e.openHow(1) : null;
                long flags = how != null ? how.flags() : e.arg(2);
                fd = openFile(p, ret, e.arg(0), e.string(0), flags);
                args.put("fd", Long.toString(ret));
                args.put("dirfd", Long.toString((int) e.arg(0)));
                args.put("name", e.string(0));
                args.put("flags", ArgFormat.openFlags(flags));
                args.put("mode", ArgFormat.mode(how != null ? how.mode() : e.arg(3)));
            }
            case "close" -> {
                fd = p == null ? null : p.fds.get(e.arg(0));
                if (ok && p != null) {
                    p.fds.remove(e.arg(0));
                }
                args.put("fd", Long.toString(e.arg(0)));
            }
            case "dup", "dup2", "dup3" -> {
                fd = dup(p, e.arg(0), ret);
                args.put("res", Long.toString(ret));
                args.put("oldfd", Long.toString(e.arg(0)));
                if (!type.equals("dup")) {
                    args.put("newfd", Long.toString(e.arg(1)));
                }
            }
            case "fcntl" -> {
                if (e.arg(1) == 0 || e.arg(1) == 1030) { // F_DUPFD, F_DUPFD_CLOEXEC
                    fd = dup(p, e.arg(0), ret);
                }
                args.put("fd", Long.toString(e.arg(0)));
                args.put("cmd", Long.toString(e.arg(1)));
            }
            case "socket" -> {
                if (ok && p != null) {
                    fd = FdInfo.builder().num(ret).type(socketType(e.arg(0))).l4proto(l4(e.arg(1) & 0xf, 0)).build();
                    p.fds.put(ret, fd);
                }
                args.put("fd", Long.toString(ret));
                args.put("domain", ArgFormat.socketFamily(e.arg(0)));
                args.put("type", Long.toString(e.arg(1)));
                args.put("proto", Long.toString(e.arg(2)));
            }
            case "connect", "accept", "accept4", "bind", "listen", "sendto", "sendmsg", "recvfrom", "recvmsg" -> {
                boolean accept = type.startsWith("accept");
                long num = accept ? ret : e.arg(0);
                SockTuple t = e.tuple(0);
                fd = socket(p, num, t, accept, type.equals("connect") && (ok || ret == EINPROGRESS));
                args.put(accept ? "fd" : "res", Long.toString(ret));
                if (t.isIp()) {
                    args.put("tuple", fd.name);
                }
                if (!accept) {
                    args.put("fd", Long.toString(e.arg(0)));
                }
            }
            case "pipe", "pipe2", "socketpair" -> {
                byte[] two = e.param(0);
                if (ok && p != null && two.length == 8) {
                    String kind = type.equals("socketpair") ? "unix" : "pipe";
                    for (int i = 0; i < 2; i++) {
                        long n = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(two, 4 * i, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
                        p.fds.put(n, FdInfo.builder().num(n).type(kind).name(kind).build());
                    }
                }
                args.put("res", Long.toString(ret));
            }
            case "chdir" -> {
                if (ok && p != null) {
                    p.cwd = Paths.join(p.cwd, e.string(0));
                    p.changed();
                }
                args.put("res", Long.toString(ret));
                args.put("path", e.string(0));
            }
            case "fchdir" -> {
                FdInfo dir = p == null ? null : p.fds.get(e.arg(0));
                if (ok && dir != null && dir.name != null) {
                    p.cwd = dir.name;
                    p.changed();
                }
                args.put("res", Long.toString(ret));
                args.put("fd", Long.toString(e.arg(0)));
            }
            case "execve", "execveat" -> { // failed: a successful exec arrives as PROC_EXEC
                args.put("res", Long.toString(ret));
                args.put("filename", e.string(0));
            }
            case "mkdir", "rmdir", "unlink" -> {
                args.put("res", Long.toString(ret));
                args.put("path", resolve(p, AT_FDCWD, e.string(0)));
                if (type.equals("mkdir")) {
                    args.put("mode", ArgFormat.mode(e.arg(1)));
                }
            }
            case "mkdirat" -> {
                args.put("res", Long.toString(ret));
                args.put("dirfd", Long.toString((int) e.arg(0)));
                args.put("path", resolve(p, e.arg(0), e.string(0)));
                args.put("mode", ArgFormat.mode(e.arg(2)));
            }
            case "unlinkat" -> {
                args.put("res", Long.toString(ret));
                args.put("dirfd", Long.toString((int) e.arg(0)));
                args.put("name", resolve(p, e.arg(0), e.string(0)));
                args.put("flags", Long.toString(e.arg(2)));
            }
            case "chmod" -> {
                args.put("res", Long.toString(ret));
                args.put("filename", resolve(p, AT_FDCWD, e.string(0)));
                args.put("mode", ArgFormat.mode(e.arg(1)));
            }
            case "fchmodat" -> {
                args.put("res", Long.toString(ret));
                args.put("dirfd", Long.toString((int) e.arg(0)));
                args.put("filename", resolve(p, e.arg(0), e.string(0)));
                args.put("mode", ArgFormat.mode(e.arg(2)));
            }
            case "fchmod" -> {
                fd = p == null ? null : p.fds.get(e.arg(0));
                args.put("res", Long.toString(ret));
                args.put("fd", Long.toString(e.arg(0)));
                args.put("mode", ArgFormat.mode(e.arg(1)));
            }
            case "rename", "renameat", "renameat2", "link", "linkat" -> {
                boolean at = type.endsWith("at") || type.equals("renameat2");
                args.put("res", Long.toString(ret));
                args.put("oldpath", resolve(p, at ? e.arg(0) : AT_FDCWD, e.string(0)));
                args.put("newpath", resolve(p, at ? e.arg(2) : AT_FDCWD, e.string(1)));
            }
            case "symlink", "symlinkat" -> {
                args.put("res", Long.toString(ret));
                args.put("target", e.string(0));
                args.put("linkpath", resolve(p, type.equals("symlinkat") ? e.arg(1) : AT_FDCWD, e.string(1)));
            }
            case "ptrace" -> {
                args.put("res", Long.toString(ret));
                args.put("request", ArgFormat.ptraceRequest(e.arg(0)));
                args.put("pid", Long.toString(e.arg(1)));
            }
            case "setuid", "setgid" -> {
                args.put("res", Long.toString(ret));
                args.put(type.equals("setuid") ? "uid" : "gid", Long.toString(e.arg(0) & 0xffffffffL));
            }
            case "setresuid", "setresgid" -> {
                String k = type.equals("setresuid") ? "uid" : "gid";
                args.put("res", Long.toString(ret));
                args.put("r" + k, Long.toString((int) e.arg(0)));
                args.put("e" + k, Long.toString((int) e.arg(1)));
                args.put("s" + k, Long.toString((int) e.arg(2)));
            }
            case "setns" -> {
                fd = p == null ? null : p.fds.get(e.arg(0));
                args.put("res", Long.toString(ret));
                args.put("fd", Long.toString(e.arg(0)));
                args.put("nstype", ArgFormat.namespaceFlags(e.arg(1)));
            }
            case "unshare" -> {
                args.put("res", Long.toString(ret));
                args.put("flags", ArgFormat.namespaceFlags(e.arg(0)));
            }
            case "bpf" -> {
                args.put("res_or_fd", Long.toString(ret));
                args.put("cmd", ArgFormat.bpfCommand(e.arg(0)));
            }
            case "init_module", "finit_module", "userfaultfd", "memfd_create" -> {
                args.put("res", Long.toString(ret));
                if (type.equals("memfd_create") && ok && p != null) {
                    fd = FdInfo.builder().num(ret).type("memfd").name("memfd:").build();
                    p.fds.put(ret, fd);
                }
            }
            default -> args.put("res", Long.toString(ret));
        }
        if (p != null) {
            p.uid = Integer.toUnsignedLong(e.uid);
            p.gid = Integer.toUnsignedLong(e.gid);
        }
        return build(e, type, ret, args, fd);
    }

    private Event build(RawEvent e, String type, long ret, Map<String, String> args, FdInfo fd) {
        Proc p = processes.byThread(e.tid, e.pid);
        Event.Builder b = Event.builder().ts(e.tsBootNs + bootToEpoch).num(++sequence).type(type).rawres(ret).args(args);
        ContainerInfo container = containers.lookup(e.cgroupId, e.type == RawEvent.PROC_EXEC ? e.string(4) : null, e.pid);
        b.container(container);
        String root = container.isHost() ? "host" : container.id;
        if (p != null) {
            p.containerId = root;
            b.proc(processes.info(p)).ancestors(processes.ancestors(p));
        }
        if (fd != null) {
            b.fd(fd);
        }
        long uid = Integer.toUnsignedLong(e.uid);
        long gid = Integer.toUnsignedLong(e.gid);
        long loginuid = e.loginuid == -1 ? -1 : Integer.toUnsignedLong(e.loginuid);
        long[] pids = candidatePids(root, e);
        Users.Account account = users.user(root, uid, pids);
        Users.Account login = loginuid < 0 ? null : users.user(root, loginuid, pids);
        b.user(new UserInfo(uid, account == null ? null : account.name(), loginuid, login == null ? null : login.name(),
                account == null ? null : account.homedir(), account == null ? null : account.shell(), gid,
                users.group(root, gid, pids)));
        return b.build();
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

    private Map<String, String> execArgs(RawEvent e) {
        Proc p = processes.byThread(e.tid, e.pid);
        Map<String, String> args = new LinkedHashMap<>();
        args.put("res", "0");
        args.put("exe", p == null ? e.string(0) : p.exe);
        args.put("args", p == null ? "" : String.join(" ", p.args));
        args.put("filename", e.string(0));
        StringBuilder flags = new StringBuilder();
        if (p != null) {
            if (p.exeWritable) {
                flags.append("EXE_WRITABLE");
            }
            if (e.flag(RawEvent.FLAG_EXE_OVERLAY)) {
                flags.append(flags.isEmpty() ? "" : "|").append(p.exeUpperLayer ? "EXE_UPPER_LAYER" : "EXE_LOWER_LAYER");
            }
            if (p.exeFromMemfd) {
                flags.append(flags.isEmpty() ? "" : "|").append("EXE_FROM_MEMFD");
            }
        }
        args.put("flags", flags.isEmpty() ? "0" : flags.toString());
        return args;
    }

    /** openat2's flags live in struct open_how, which the kernel side does not read yet. */
    private FdInfo openFile(Proc p, long ret, long dirfd, String path, long flags) {
        String name = resolve(p, dirfd, path);
        boolean directory = (flags & 0200000) != 0;
        FdInfo fd = FdInfo.builder().num(ret).type(directory ? "directory" : "file").name(name).nameraw(path).build();
        if (ret >= 0 && p != null) {
            p.fds.put(ret, fd);
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
                base = p.cwd;
            } else {
                FdInfo dir = p.fds.get((long) (int) dirfd);
                base = dir == null ? null : dir.name;
            }
        }
        return base == null ? path : Paths.join(base, path);
    }

    private static FdInfo dup(Proc p, long oldfd, long newfd) {
        if (p == null || newfd < 0) {
            return null;
        }
        FdInfo old = p.fds.get(oldfd);
        if (old == null) {
            return null;
        }
        FdInfo copy = FdInfo.builder().num(newfd).type(old.type).name(old.name).nameraw(old.nameraw).l4proto(old.l4proto)
                .client(old.cip, old.cport).server(old.sip, old.sport).isServer(old.server).connected(old.connected).build();
        p.fds.put(newfd, copy);
        return copy;
    }

    private static FdInfo socket(Proc p, long num, SockTuple t, boolean accepted, boolean connected) {
        FdInfo known = p == null ? null : p.fds.get(num);
        FdInfo.Builder b = FdInfo.builder().num(num);
        if (t.isIp()) {
            // Like libscap, an AF_INET6 socket whose ends are IPv4-mapped (or unspecified) is an IPv4 socket.
            boolean v6 = t.family() == SockTuple.AF_INET6 && !(v4Like(t.laddr()) && v4Like(t.raddr()));
            String local = address(t.laddr(), v6);
            String remote = address(t.raddr(), v6);
            b.type(v6 ? "ipv6" : "ipv4").l4proto(l4(t.type(), t.protocol()));
            // Falco's tuple is client->server: who connected is the client.
            boolean server = accepted || (t.rport() == 0 && known != null && known.server);
            if (server) {
                b.client(remote, t.rport()).server(local, t.lport()).isServer(true);
            } else {
                b.client(local, t.lport()).server(remote, t.rport());
            }
            b.connected(connected || accepted || (known != null && known.connected));
        } else if (t.family() == SockTuple.AF_UNIX) {
            b.type("unix");
        } else if (known != null) {
            return known;
        } else {
            b.type("ipv4");
        }
        FdInfo fd = b.build();
        if (p != null && num >= 0) {
            p.fds.put(num, fd);
        }
        return fd;
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
