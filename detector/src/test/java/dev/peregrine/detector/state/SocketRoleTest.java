package dev.peregrine.detector.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.field.Accessor;
import dev.peregrine.detector.field.FieldCatalogue;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket's role, and with it which end is the client (fd.cip, fd.cport) and which the local one
 * (fd.lip, fd.lport), is decided by accept, connect and listen; sends and receives keep it. Kernel
 * records of one process, decoded as the capture does. {@link KernelTablesTest} has the same
 * from real syscalls.
 */
class SocketRoleTest {
    static final int SOCKET = 41, CONNECT = 42, ACCEPT4 = 288, SENDTO = 44, RECVFROM = 45, SENDMSG = 46, RECVMSG = 47,
            BIND = 49, LISTEN = 50;
    static final int AF_INET = 2, STREAM = 1, DGRAM = 2, TCP = 6, UDP = 17;

    @TempDir
    Path emptyProc;

    EventFactory factory;
    final KernelRecords k = new KernelRecords();

    @BeforeEach
    void setUp() {
        factory = ScriptedSession.factory(emptyProc);
        factory.toEvent(k.record(RawEvent.PROC_EXEC, 500, 500, "srv").ppid(1).string("/usr/sbin/srv").strings("srv")
                .strings().execInfo(5, 0, 0755, 0, 0, 500, 500, 500).string("srv.service").add());
    }

    /** The event of a socket syscall of the process on fd {@code fd}, its tuple as the kernel reports it after the call. */
    Event sock(int nr, long ret, int fd, int proto, String local, int lport, String remote, int rport) {
        return factory.toEvent(k.syscall(nr, 500, "srv", ret, fd).tuple(AF_INET, proto == TCP ? STREAM : DGRAM, proto,
                local, lport, remote, rport).add());
    }

    static String field(Event e, String name) {
        Accessor a = FieldCatalogue.standard().resolve(name, null);
        return a.display(e);
    }

    static void assertEnds(Event e, String client, String server, String local, String remote) {
        assertThat(field(e, "fd.cip") + ":" + field(e, "fd.cport")).as("client of %s", e.type).isEqualTo(client);
        assertThat(field(e, "fd.sip") + ":" + field(e, "fd.sport")).as("server of %s", e.type).isEqualTo(server);
        assertThat(field(e, "fd.lip") + ":" + field(e, "fd.lport")).as("local of %s", e.type).isEqualTo(local);
        assertThat(field(e, "fd.rip") + ":" + field(e, "fd.rport")).as("remote of %s", e.type).isEqualTo(remote);
        assertThat(e.fd.name).isEqualTo(client + "->" + server);
    }

    @Test
    void anAcceptedSocketStaysTheServersEndThroughSendsAndReceives() {
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 3, AF_INET, STREAM, 0).add());
        sock(BIND, 0, 3, TCP, "0.0.0.0", 8080, null, 0);
        Event listen = sock(LISTEN, 0, 3, TCP, "0.0.0.0", 8080, null, 0);
        assertThat(listen.fd.role).isEqualTo(FdInfo.Role.SERVER);
        assertThat(field(listen, "fd.lport")).isEqualTo("8080");

        Event accept = factory.toEvent(k.syscall(ACCEPT4, 500, "srv", 4, 3, 0, 0, 0)
                .tuple(AF_INET, STREAM, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000).add());
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
        // A UDP server: bound, it receives first.
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 6, AF_INET, DGRAM, 0).add());
        assertThat(sock(BIND, 0, 6, UDP, "0.0.0.0", 53, null, 0).fd.role).isEqualTo(FdInfo.Role.NONE);
        Event received = sock(RECVFROM, 40, 6, UDP, "10.0.0.2", 53, "10.0.0.7", 33000);
        assertThat(received.fd.role).isEqualTo(FdInfo.Role.SERVER);
        Event reply = sock(SENDTO, 40, 6, UDP, "10.0.0.2", 53, "10.0.0.7", 33000);
        assertEnds(reply, "10.0.0.7:33000", "10.0.0.2:53", "10.0.0.2:53", "10.0.0.7:33000");

        // A UDP client: it sends first, and its receive does not make it a server.
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 7, AF_INET, DGRAM, 0).add());
        assertThat(sock(SENDTO, 40, 7, UDP, "10.0.0.2", 34000, "8.8.8.8", 53).fd.role).isEqualTo(FdInfo.Role.CLIENT);
        Event answer = sock(RECVFROM, 90, 7, UDP, "10.0.0.2", 34000, "8.8.8.8", 53);
        assertEnds(answer, "10.0.0.2:34000", "8.8.8.8:53", "10.0.0.2:34000", "8.8.8.8:53");

        // A failed receive decides nothing.
        factory.toEvent(k.syscall(SOCKET, 500, "srv", 8, AF_INET, DGRAM, 0).add());
        assertThat(sock(RECVFROM, -11, 8, UDP, "10.0.0.2", 35000, null, 0).fd.role).isEqualTo(FdInfo.Role.NONE);
        assertThat(sock(SENDTO, 40, 8, UDP, "10.0.0.2", 35000, "10.0.0.8", 9).fd.role).isEqualTo(FdInfo.Role.CLIENT);
    }

    /** evt.arg.tuple as Falco's driver writes it: local end first, remote first for accept and receives. */
    @Test
    void theTupleArgumentPutsTheRemoteEndFirstForInboundCalls() {
        factory.toEvent(k.syscall(ACCEPT4, 500, "srv", 4, 3, 0, 0, 0).tuple(AF_INET, STREAM, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000).add());
        assertThat(sock(RECVMSG, 1, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000).arg("tuple")).isEqualTo("10.0.0.9:51000->10.0.0.2:8080");
        Event send = sock(SENDMSG, 1, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000);
        Event kept = send.snapshot();
        sock(SENDMSG, 1, 4, TCP, "10.0.0.2", 8080, "10.0.0.9", 51000);
        assertThat(kept.arg("tuple")).as("a snapshot's, made before the next record").isEqualTo("10.0.0.2:8080->10.0.0.9:51000");

        sock(CONNECT, 0, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443);
        assertThat(sock(SENDTO, 1, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443).arg("tuple")).isEqualTo("10.0.0.2:40000->93.184.216.34:443");
        assertThat(sock(RECVFROM, 1, 5, TCP, "10.0.0.2", 40000, "93.184.216.34", 443).arg("tuple")).isEqualTo("93.184.216.34:443->10.0.0.2:40000");
    }
}
