package dev.peregrine.detector.syscall;

import dev.peregrine.detector.capture.SockTuple;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.Ipv6;
import dev.peregrine.detector.process.Bound;
import dev.peregrine.detector.process.Proc;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A socket's fd as libsinsp makes it from what the kernel reports (the socket's tuple) and what
 * the call passed (bind's address): type, transport, client and server ends, name, role. Each
 * method puts the fd it makes into the process's table (when the process is known).
 */
final class SocketFds {
    private SocketFds() {}

    /**
     * The fd after a successful bind, as libsinsp's parse_bind_exit makes it: an IP socket bound
     * to a port becomes a server socket (fd.sip and fd.sport the address bind was given, role
     * server), named {@code ip:port}; bound to port 0 it only takes that name (the kernel picks
     * the port; its tuple is still the kernel's); a unix socket is named after its path.
     */
    static FdInfo bind(Proc p, long num, SockTuple t, FdInfo known, Bound a) {
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
    static FdInfo serverSocket(Proc p, long num, SockTuple t, boolean cloexec) {
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

    static FdInfo socket(
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
     * @param role which end is this process's (see {@link SocketCalls#role}); it puts the local and remote ends on the client or server side
     * @param peerFromCall the remote end is the address the call passed or received (a datagram's peer)
     * @param accept the fd is new (accept's): it takes nothing from an fd the table had under its number
     * @param name the fd's name when not its tuple (a socket bound to port 0: the address bind was given)
     */
    static FdInfo socket(
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

    /** The transport of a socket being bound: what socket() said, else what the kernel says. */
    private static String l4proto(SockTuple t, FdInfo known) {
        return known != null && known.l4proto != null ? known.l4proto : l4(t.type(), t.protocol());
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

    /** fd.type of a new socket, from socket()'s domain. */
    static String socketType(long domain) {
        return switch ((int) domain) {
            case 1 -> "unix";
            case 10 -> "ipv6";
            case 16 -> "netlink";
            default -> "ipv4";
        };
    }

    /** fd.l4proto from the socket type and protocol. */
    static String l4(long sockType, long protocol) {
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
