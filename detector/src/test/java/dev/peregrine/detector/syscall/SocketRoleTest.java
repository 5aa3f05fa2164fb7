package dev.peregrine.detector.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.rule.ConditionCompiler;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket's role, and with it which end is the client (fd.cip, fd.cport) and which the local one
 * (fd.lip, fd.lport), is decided by accept, connect, listen and bind to a port (which makes a
 * server socket, as libsinsp names it); sends and receives keep it. Kernel
 * records of one process, decoded as the capture does. {@link KernelTablesTest} has the same
 * from real syscalls.
 */
class SocketRoleTest {
    static final int SOCKET = 41,
            CONNECT = 42,
            ACCEPT4 = 288,
            SENDTO = 44,
            RECVFROM = 45,
            SENDMSG = 46,
            RECVMSG = 47,
            BIND = 49,
            LISTEN = 50;
    static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, STREAM = 1, DGRAM = 2, TCP = 6, UDP = 17;

    @TempDir
    Path emptyProc;

    SyscallEvents factory;
    final KernelRecords k = new KernelRecords();

    @BeforeEach
    void setUp() {
        factory = ScriptedSession.factory(emptyProc);
        factory.toEvent(k.record(RawEvent.PROC_EXEC, 500, 500, "srv")
                .ppid(1)
                .string("/usr/sbin/srv")
                .strings("srv")
                .strings()
                .execInfo(5, 0, 0755, 0, 0, 500, 500, 500)
                .string("srv.service")
                .add());
    }

    /** The event of a socket syscall of the process on fd {@code fd}, its tuple as the kernel reports it after the call. */
    Event sock(int nr, long ret, int fd, int proto, String local, int lport, String remote, int rport) {
        return factory.toEvent(k.syscall(nr, 500, "srv", ret, fd)
                .tuple(AF_INET, proto == TCP ? STREAM : DGRAM, proto, local, lport, remote, rport)
                .add());
    }

    /**
     * bind on {@code fd} of the address {@code ip:port} (the caller's struct sockaddr); the kernel's
     * tuple after it has that address and {@code kernelPort} (the one it chose for port 0).
     */
    Event bind(long ret, int fd, int family, int proto, String ip, int port, int kernelPort) {
        return factory.toEvent(k.syscall(BIND, 500, "srv", ret, fd)
                .tuple(family, proto == TCP ? STREAM : DGRAM, proto, ip, kernelPort, null, 0)
                .sockaddr(family, ip, port)
                .add());
    }

    static boolean matches(String condition, Event e) {
        return new ConditionCompiler(FieldCatalogue.standard())
                .compile(ConditionParser.parse(condition))
                .test(e);
    }

    /** libsinsp's server socket: the server end alone, named ip:port. */
    static void assertServerSocket(Event e, String name, String type, String sip, int sport) {
        assertThat(e.fd.serverSocket).as("server socket after %s", e.type).isTrue();
        assertThat(e.fd.name).as("fd.name after %s", e.type).isEqualTo(name);
        assertThat(field(e, "fd.type")).isEqualTo(type);
        assertThat(field(e, "fd.typechar")).isEqualTo(type.equals("ipv6") ? "6" : "4");
        assertThat(field(e, "fd.sockfamily")).isEqualTo("ip");
        assertThat(field(e, "fd.sip")).isEqualTo(sip);
        assertThat(field(e, "fd.sport")).isEqualTo(Integer.toString(sport));
        for (String none : new String[] {"fd.cip", "fd.cport", "fd.lip", "fd.lport", "fd.rip", "fd.rport"}) {
            assertThat(field(e, none)).as("%s of a server socket", none).isNull();
        }
        assertThat(e.fd.role).isEqualTo(FdInfo.Role.SERVER);
        assertThat(e.fd.connected).isFalse();
    }

    static String field(Event e, String name) {
        Accessor a = FieldCatalogue.standard().resolve(name, null);
        return a.display(e);
    }

    static void assertEnds(Event e, String client, String server, String local, String remote) {
        assertThat(field(e, "fd.cip") + ":" + field(e, "fd.cport"))
                .as("client of %s", e.type)
                .isEqualTo(client);
        assertThat(field(e, "fd.sip") + ":" + field(e, "fd.sport"))
                .as("server of %s", e.type)
                .isEqualTo(server);
        assertThat(field(e, "fd.lip") + ":" + field(e, "fd.lport"))
                .as("local of %s", e.type)
                .isEqualTo(local);
        assertThat(field(e, "fd.rip") + ":" + field(e, "fd.rport"))
                .as("remote of %s", e.type)
                .isEqualTo(remote);
        assertThat(e.fd.name).isEqualTo(client + "->" + server);
    }

    @Test
    void anAcceptedSocketStaysTheServersEndThroughSendsAndReceives() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 3, AF_INET, STREAM, 0).add());
        bind(0, 3, AF_INET, TCP, "0.0.0.0", 8080, 8080);
        Event listen = sock(LISTEN, 0, 3, TCP, "0.0.0.0", 8080, null, 0);
        assertServerSocket(listen, "0.0.0.0:8080", "ipv4", "0.0.0.0", 8080);

        Event accept = factory.toEvent(k.syscall(ACCEPT4, 500, "srv", 4, 3, 0, 0, 0)
                .tuple(AF_INET, STREAM, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000)
                .add());
        assertEnds(accept, "10.0.0.9:51000", "10.0.0.2:8080", "10.0.0.2:8080", "10.0.0.9:51000");
        for (int nr : new int[] {RECVFROM, SENDTO, RECVMSG, SENDMSG}) {
            Event e = sock(nr, 10, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000);
            assertThat(e.fd.role).as(e.type).isEqualTo(FdInfo.Role.SERVER);
            assertEnds(e, "10.0.0.9:51000", "10.0.0.2:8080", "10.0.0.2:8080", "10.0.0.9:51000");
        }
    }

    @Test
    void aConnectedSocketStaysTheClientsEndThroughReceives() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 5, AF_INET, STREAM, 0).add());
        Event connect = sock(CONNECT, 0, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443);
        assertEnds(connect, "10.0.0.2:40000", "93.184.216.34:443", "10.0.0.2:40000", "93.184.216.34:443");
        for (int nr : new int[] {RECVFROM, RECVMSG, SENDTO, SENDMSG}) {
            Event e = sock(nr, 10, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443);
            assertThat(e.fd.role).as(e.type).isEqualTo(FdInfo.Role.CLIENT);
            assertEnds(e, "10.0.0.2:40000", "93.184.216.34:443", "10.0.0.2:40000", "93.184.216.34:443");
        }
    }

    /** A socket without a role takes one from its first send or receive, and keeps it. */
    @Test
    void aSocketWithoutARoleTakesItFromItsFirstSendOrReceive() {
        // A UDP server bound to port 0 (the kernel chose 53): bind names it, decides nothing; it receives first.
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 6, AF_INET, DGRAM, 0).add());
        Event bound = bind(0, 6, AF_INET, UDP, "0.0.0.0", 0, 53);
        assertThat(bound.fd.role).isEqualTo(FdInfo.Role.NONE);
        assertThat(bound.fd.serverSocket).isFalse();
        assertThat(bound.fd.name).isEqualTo("0.0.0.0:0");
        Event received = sock(RECVFROM, 40, 6, UDP, "10.0.0.2", 53, "10.0.0.7", 33000);
        assertThat(received.fd.role).isEqualTo(FdInfo.Role.SERVER);
        Event reply = sock(SENDTO, 40, 6, UDP, "10.0.0.2", 53, "10.0.0.7", 33000);
        assertEnds(reply, "10.0.0.7:33000", "10.0.0.2:53", "10.0.0.2:53", "10.0.0.7:33000");

        // A UDP client: it sends first, and its receive does not make it a server.
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 7, AF_INET, DGRAM, 0).add());
        assertThat(sock(SENDTO, 40, 7, UDP, "10.0.0.2", 34000, "8.8.8.8", 53).fd.role)
                .isEqualTo(FdInfo.Role.CLIENT);
        Event answer = sock(RECVFROM, 90, 7, UDP, "10.0.0.2", 34000, "8.8.8.8", 53);
        assertEnds(answer, "10.0.0.2:34000", "8.8.8.8:53", "10.0.0.2:34000", "8.8.8.8:53");

        // A failed receive decides nothing.
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 8, AF_INET, DGRAM, 0).add());
        assertThat(sock(RECVFROM, -11, 8, UDP, "10.0.0.2", 35000, null, 0).fd.role)
                .isEqualTo(FdInfo.Role.NONE);
        assertThat(sock(SENDTO, 40, 8, UDP, "10.0.0.2", 35000, "10.0.0.8", 9).fd.role)
                .isEqualTo(FdInfo.Role.CLIENT);
    }

    /**
     * libsinsp's parse_bind_exit: a successful bind of an IP socket to a port makes it a server
     * socket, named after the address bind was given; listen keeps it; an accepted socket is a
     * connection, client->server.
     */
    @Test
    void bindToAPortMakesAServerSocketNamedAfterItsAddress() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 3, AF_INET, STREAM, 0).add());
        Event bind = bind(0, 3, AF_INET, TCP, "127.0.0.1", 8080, 8080);
        assertServerSocket(bind, "127.0.0.1:8080", "ipv4", "127.0.0.1", 8080);
        assertThat(field(bind, "fd.l4proto")).isEqualTo("tcp");
        assertThat(bind.arg("res")).isEqualTo("0");
        assertThat(bind.arg("addr")).isEqualTo("127.0.0.1:8080");
        assertThat(bind.arg("fd")).isEqualTo("3");
        Event listen = sock(LISTEN, 0, 3, TCP, "127.0.0.1", 8080, null, 0);
        assertServerSocket(listen, "127.0.0.1:8080", "ipv4", "127.0.0.1", 8080);
        // fd.ip, fd.port and fd.net compare the server end alone, as libsinsp does
        assertThat(matches("fd.port = 8080", listen)).isTrue();
        assertThat(matches("fd.port != 8080", listen)).isFalse();
        assertThat(matches("fd.port in (22, 8080)", listen)).isTrue();
        assertThat(matches("fd.ip = 127.0.0.1", listen)).isTrue();
        assertThat(matches("fd.net = \"127.0.0.0/8\"", listen)).isTrue();
        assertThat(matches("fd.net = \"10.0.0.0/8\"", listen)).isFalse();
        assertThat(matches("fd.lport = 8080", listen)).isFalse();

        Event accept = factory.toEvent(k.syscall(ACCEPT4, 500, "srv", 4, 3, 0, 0, 0)
                .tuple(AF_INET, STREAM, TCP, "127.0.0.1", 8080, "127.0.0.1", 51000)
                .add());
        assertThat(accept.fd.serverSocket).isFalse();
        assertEnds(accept, "127.0.0.1:51000", "127.0.0.1:8080", "127.0.0.1:8080", "127.0.0.1:51000");
        // the listener is still the server socket
        assertServerSocket(
                sock(LISTEN, 0, 3, TCP, "127.0.0.1", 8080, null, 0), "127.0.0.1:8080", "ipv4", "127.0.0.1", 8080);
    }

    /** IPv6 as libsinsp takes it: "::" and IPv4-mapped addresses make an IPv4 server socket, named in IPv6 text. */
    @Test
    void ipv6BindsAreNamedAsInetNtopWritesTheAddress() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 3, AF_INET6, STREAM, 0).add());
        Event loopback = bind(0, 3, AF_INET6, TCP, "::1", 8443, 8443);
        assertServerSocket(loopback, "::1:8443", "ipv6", "::1", 8443);
        assertThat(matches("fd.net = \"::1/128\"", loopback)).isTrue();

        factory.toEvent(k.syscall(SOCKET, 500, "srv", 4, AF_INET6, STREAM, 0).add());
        assertServerSocket(bind(0, 4, AF_INET6, TCP, "::", 9000, 9000), ":::9000", "ipv4", "0.0.0.0", 9000);
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 5, AF_INET6, DGRAM, 0).add());
        Event mapped = bind(0, 5, AF_INET6, UDP, "::ffff:127.0.0.1", 5353, 5353);
        assertServerSocket(mapped, "::ffff:127.0.0.1:5353", "ipv4", "127.0.0.1", 5353);
        assertThat(field(mapped, "fd.l4proto")).isEqualTo("udp");
    }

    /** A unix socket is named after the path it is bound to, and keeps the name when it listens. */
    @Test
    void aUnixBindNamesTheSocketAfterItsPath() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 3, AF_UNIX, STREAM, 0).add());
        Event bind = factory.toEvent(k.syscall(BIND, 500, "srv", 0, 3)
                .tuple(AF_UNIX, STREAM, 0, null, 0, null, 0)
                .unixAddr("/run/srv.sock")
                .add());
        assertThat(bind.fd.name).isEqualTo("/run/srv.sock");
        assertThat(bind.arg("addr")).isEqualTo("/run/srv.sock");
        assertThat(field(bind, "fd.typechar")).isEqualTo("u");
        assertThat(field(bind, "fd.sockfamily")).isEqualTo("unix");
        Event listen = factory.toEvent(k.syscall(LISTEN, 500, "srv", 0, 3)
                .tuple(AF_UNIX, STREAM, 0, null, 0, null, 0)
                .add());
        assertThat(listen.fd.name).isEqualTo("/run/srv.sock");

        factory.toEvent(k.syscall(SOCKET, 500, "srv", 4, AF_UNIX, STREAM, 0).add());
        Event abstractName = factory.toEvent(k.syscall(BIND, 500, "srv", 0, 4)
                .tuple(AF_UNIX, STREAM, 0, null, 0, null, 0)
                .unixAddr("\0peregrine")
                .add());
        assertThat(abstractName.fd.name).isEqualTo("@peregrine");
    }

    /** A socket bound to port 0, or not bound, becomes a server socket when it listens, on the port the kernel chose. */
    @Test
    void listenMakesAServerSocketOfASocketBoundToPortZero() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 3, AF_INET, STREAM, 0).add());
        Event bind = bind(0, 3, AF_INET, TCP, "127.0.0.1", 0, 41000);
        assertThat(bind.fd.serverSocket).isFalse();
        assertThat(bind.fd.name).isEqualTo("127.0.0.1:0");
        Event listen = sock(LISTEN, 0, 3, TCP, "127.0.0.1", 41000, null, 0);
        assertServerSocket(listen, "127.0.0.1:41000", "ipv4", "127.0.0.1", 41000);
        assertThat(field(listen, "fd.l4proto")).isEqualTo("tcp");
    }

    /** A failed bind changes nothing; a UDP server socket becomes a connection when a datagram gives it a peer. */
    @Test
    void aServerSocketStaysOneUntilACallGivesItAPeer() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 6, AF_INET, DGRAM, 0).add());
        Event failed = bind(-98, 6, AF_INET, UDP, "0.0.0.0", 53, 0); // EADDRINUSE
        assertThat(failed.fd.serverSocket).isFalse();
        assertThat(failed.fd.role).isEqualTo(FdInfo.Role.NONE);
        assertThat(failed.arg("addr")).isEqualTo("0.0.0.0:53");
        assertServerSocket(bind(0, 6, AF_INET, UDP, "0.0.0.0", 53, 53), "0.0.0.0:53", "ipv4", "0.0.0.0", 53);
        assertServerSocket(sock(RECVFROM, -11, 6, UDP, "0.0.0.0", 53, null, 0), "0.0.0.0:53", "ipv4", "0.0.0.0", 53);
        // unconnected: the kernel's tuple has no peer, the sender is in the address recvfrom filled in
        Event received = factory.toEvent(k.syscall(RECVFROM, 500, "srv", 40, 6)
                .tuple(AF_INET, DGRAM, UDP, "10.0.0.2", 53, null, 0)
                .sockaddr(AF_INET, "10.0.0.7", 33000)
                .add());
        assertThat(received.fd.serverSocket).isFalse();
        assertThat(received.fd.role).isEqualTo(FdInfo.Role.SERVER);
        assertThat(received.fd.nameChanged).isTrue();
        assertEnds(received, "10.0.0.7:33000", "10.0.0.2:53", "10.0.0.2:53", "10.0.0.7:33000");
    }

    /** evt.arg.tuple as Falco's driver writes it: local end first, remote first for accept and receives. */
    @Test
    void theTupleArgumentPutsTheRemoteEndFirstForInboundCalls() {
        factory.toEvent(k.syscall(ACCEPT4, 500, "srv", 4, 3, 0, 0, 0)
                .tuple(AF_INET, STREAM, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000)
                .add());
        assertThat(sock(RECVMSG, 1, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000).arg("tuple"))
                .isEqualTo("10.0.0.9:51000->10.0.0.2:8080");
        Event send = sock(SENDMSG, 1, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000);
        Event kept = send.snapshot();
        sock(SENDMSG, 1, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000);
        assertThat(kept.arg("tuple"))
                .as("a snapshot's, made before the next record")
                .isEqualTo("10.0.0.2:8080->10.0.0.9:51000");

        sock(CONNECT, 0, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443);
        assertThat(sock(SENDTO, 1, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443)
                        .arg("tuple"))
                .isEqualTo("10.0.0.2:40000->93.184.216.34:443");
        assertThat(sock(RECVFROM, 1, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443)
                        .arg("tuple"))
                .isEqualTo("93.184.216.34:443->10.0.0.2:40000");
    }
}
