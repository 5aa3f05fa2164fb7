package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.Abi.EINPROGRESS;
import static dev.peregrine.detector.syscall.Abi.O_CLOEXEC;
import static dev.peregrine.detector.syscall.ArgFormat.DECIMAL;
import static dev.peregrine.detector.syscall.ArgFormat.SOCKET_FAMILY;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.SockAddr;
import dev.peregrine.detector.capture.SockTuple;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Bound;
import dev.peregrine.detector.process.Proc;

/**
 * socket, bind, connect, accept, accept4, listen and the data calls (sendto, sendmsg, recvfrom,
 * recvmsg): the socket's fd takes its addresses and role as libsinsp's parsers give them (see
 * {@link SocketFds}); the event gets the arguments of Falco's exit events.
 */
final class SocketCalls {
    /** The current event's socket, when its "tuple" argument names the server's end first (see {@link #tupleArg}). */
    private FdInfo serverFirst;

    private final Event.Formatter serverFirstTuple =
            v -> serverFirst.sip + ":" + serverFirst.sport + "->" + serverFirst.cip + ":" + serverFirst.cport;
    // A data buffer's text is made from the record in hand, only when read: the live event and
    // the record it was made from are both valid until the next record.
    private final Event.TextSource dataText = param -> this.record.latin1((int) param);
    private RawEvent record;

    /** @return the socket's fd after the call, null when socket() failed or the process is unknown */
    FdInfo parse(Syscall call, RawEvent e, Proc p, Event ev) {
        if (record != e) record = e;
        long ret = e.ret;
        boolean ok = ret >= 0;
        switch (call) {
            case SOCKET -> {
                FdInfo fd = null;
                if (ok && p != null) {
                    fd = FdInfo.builder()
                            .num(ret)
                            .type(SocketFds.socketType(e.arg(0)))
                            .l4proto(SocketFds.l4(e.arg(1) & 0xf, 0))
                            .cloexec((e.arg(1) & O_CLOEXEC) != 0)
                            .build();
                    p.fds().put(ret, fd);
                }
                ev.addArg("fd", ret, DECIMAL);
                ev.addArg("domain", e.arg(0), SOCKET_FAMILY);
                ev.addArg("type", e.arg(1), DECIMAL);
                ev.addArg("proto", e.arg(2), DECIMAL);
                return fd;
            }
            case BIND -> {
                FdInfo known = p == null ? null : p.fds().get(e.arg(0));
                Bound addr = Bound.decode(e.param(1));
                FdInfo fd = ok && addr != null ? SocketFds.bind(p, e.arg(0), e.tuple(0), known, addr) : known;
                // Falco's bind exit event: res, addr (the address the caller passed), fd
                ev.addArg("res", ret, DECIMAL);
                if (addr != null) ev.addArg("addr", addr.name());
                ev.addArg("fd", e.arg(0), DECIMAL);
                return fd;
            }
            case CONNECT, ACCEPT, ACCEPT4, LISTEN, SENDTO, SENDMSG, RECVFROM, RECVMSG -> {
                return exchange(call, e, p, ev);
            }
            default -> throw new IllegalArgumentException(call + " is not a socket call");
        }
    }

    /** A call on a socket that may give it a peer, a role or data: connect, accept, listen, send, receive. */
    private FdInfo exchange(Syscall call, RawEvent e, Proc p, Event ev) {
        long ret = e.ret;
        boolean ok = ret >= 0;
        boolean accept = call == Syscall.ACCEPT || call == Syscall.ACCEPT4;
        boolean inbound = call == Syscall.RECVFROM || call == Syscall.RECVMSG;
        boolean outbound = call == Syscall.SENDTO || call == Syscall.SENDMSG;
        long num = accept ? ret : e.arg(0);
        SockTuple own = e.tuple(0);
        SockTuple t = outbound || inbound ? withPeer(own, e) : own;
        FdInfo known = p == null ? null : p.fds().get(num);
        boolean connected = accept || (call == Syscall.CONNECT && (ok || ret == EINPROGRESS));
        // An accepted socket is a new fd: accept4's flags say whether it closes on exec.
        boolean cloexec =
                accept ? call == Syscall.ACCEPT4 && (e.arg(3) & O_CLOEXEC) != 0 : known != null && known.cloexec;
        FdInfo fd;
        if (!accept
                && known != null
                && known.serverSocket
                && (call == Syscall.LISTEN || (!ok && ret != EINPROGRESS) || (t.isIp() && t.rport() == 0))) {
            // A server socket stays one until a call gives it a peer, as in libsinsp: listen
            // does not rename it, nor does a call that failed or had no peer.
            fd = known;
        } else if (call == Syscall.LISTEN && ok && t.isIp()) {
            fd = SocketFds.serverSocket(p, num, t, cloexec);
        } else {
            fd = SocketFds.socket(p, num, t, known, role(call, ret, known), connected, cloexec, t != own, accept);
        }
        // The driver writes the tuple remote end first for accept and receives, local end first otherwise.
        boolean tuple = t.isIp(), remoteFirst = accept || inbound;
        // In the order of Falco's exit events (without accept's queue figures and recvmsg's msgcontrol).
        switch (call) {
            case ACCEPT, ACCEPT4 -> {
                ev.addArg("fd", ret, DECIMAL);
                if (tuple) tupleArg(ev, fd, remoteFirst);
            }
            case LISTEN -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("fd", e.arg(0), DECIMAL);
                ev.addArg("backlog", (int) e.arg(1), DECIMAL);
            }
            case SENDTO, SENDMSG -> {
                ev.addArg("res", ret, DECIMAL);
                ev.addArg("data", 2, dataText);
                ev.addArg("fd", e.arg(0), DECIMAL);
                // sendto's is its len argument, sendmsg's the sum of its iovecs' lengths (from the kernel side)
                ev.addArg("size", call == Syscall.SENDTO ? e.arg(2) & 0xffffffffL : e.u32Param(3), DECIMAL);
                if (tuple) tupleArg(ev, fd, remoteFirst);
            }
            case RECVFROM, RECVMSG -> {
                ev.addArg("res", ret, DECIMAL);
                // recvmsg's size is what it received, as Falco's driver writes it (0 when nothing was)
                if (call == Syscall.RECVMSG) ev.addArg("size", ret > 0 ? ret & 0xffffffffL : 0, DECIMAL);
                ev.addArg("data", 2, dataText);
                if (tuple) tupleArg(ev, fd, remoteFirst);
                ev.addArg("fd", e.arg(0), DECIMAL);
                if (call == Syscall.RECVFROM) ev.addArg("size", e.arg(2) & 0xffffffffL, DECIMAL);
            }
            case CONNECT -> {
                ev.addArg("res", ret, DECIMAL);
                if (tuple) tupleArg(ev, fd, remoteFirst);
                ev.addArg("fd", e.arg(0), DECIMAL);
            }
        }
        return fd;
    }

    /**
     * The role libsinsp would give the socket after this syscall: accept and listen make a server
     * (as bind to a port does, see {@link SocketFds#bind}), a connect that succeeded (or is under
     * way) a client, and a send or receive keeps what was decided. Only a socket without a role
     * (seen by socket(), a bind to port 0 or /proc alone) takes one from its first successful send
     * or receive, guessed as libsinsp does when the ports tell nothing: a server reads first, a
     * client writes first. So a datagram received on a role-less unconnected socket is client (its
     * sender) to server (this socket).
     */
    static FdInfo.Role role(Syscall call, long ret, FdInfo known) {
        FdInfo.Role had = known == null ? FdInfo.Role.NONE : known.role;
        boolean ok = ret >= 0;
        return switch (call) {
            case ACCEPT, ACCEPT4 -> FdInfo.Role.SERVER;
            case LISTEN -> ok ? FdInfo.Role.SERVER : had;
            case CONNECT -> ok || ret == EINPROGRESS ? FdInfo.Role.CLIENT : had;
            case SENDTO, SENDMSG, RECVFROM, RECVMSG ->
                had != FdInfo.Role.NONE || !ok
                        ? had
                        : call == Syscall.RECVFROM || call == Syscall.RECVMSG ? FdInfo.Role.SERVER : FdInfo.Role.CLIENT;
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
}
