package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.O_CLOEXEC;
import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.FdInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket family's parser on its own: the fd each call leaves and the arguments of Falco's
 * exit events. {@link SocketRoleTest} has roles and ends through the whole dispatcher.
 */
class SocketCallsTest {
    static final int AF_UNIX = 1, AF_INET = 2, STREAM = 1, DGRAM = 2, TCP = 6, UDP = 17;

    @TempDir
    Path emptyProc;

    OneProcess s;
    final SocketCalls sockets = new SocketCalls();

    @BeforeEach
    void setUp() {
        s = new OneProcess(emptyProc);
    }

    FdInfo parse(Syscall call, RawEvent r) {
        return sockets.parse(call, r, s.proc, s.begin(call, r));
    }

    @Test
    void socketThenConnectMakesAConnectedClientThatKeepsItsFlag() {
        FdInfo made = parse(
                Syscall.SOCKET,
                s.syscall(Syscall.SOCKET, 3, AF_INET, STREAM | O_CLOEXEC, 0).add());
        assertThat(made.type).isEqualTo("ipv4");
        assertThat(made.l4proto).isEqualTo("tcp");
        assertThat(args(s.event)).containsExactly("fd=3", "domain=AF_INET", "type=524289", "proto=0");

        FdInfo fd = parse(
                Syscall.CONNECT,
                s.syscall(Syscall.CONNECT, 0, 3)
                        .tuple(AF_INET, STREAM, TCP, "10.0.0.5", 40000, "93.184.216.34", 443)
                        .add());
        assertThat(fd.role).isEqualTo(FdInfo.Role.CLIENT);
        assertThat(fd.connected).isTrue();
        assertThat(fd.cloexec).as("socket()'s SOCK_CLOEXEC").isTrue();
        assertThat(s.proc.fds().get(3)).isSameAs(fd);
        assertThat(args(s.event)).containsExactly("res=0", "tuple=10.0.0.5:40000->93.184.216.34:443", "fd=3");
    }

    @Test
    void aDatagramReceivedOnAnUnconnectedSocketNamesItAfterItsSender() {
        parse(Syscall.SOCKET, s.syscall(Syscall.SOCKET, 3, AF_INET, DGRAM, 0).add());
        RawEvent r = s.syscall(Syscall.RECVFROM, 5, 3, 0, 64)
                .tuple(AF_INET, DGRAM, UDP, "10.0.0.5", 5353, null, 0)
                .sockaddr(AF_INET, "10.0.0.7", 33000)
                .param("hello".getBytes(StandardCharsets.ISO_8859_1))
                .add();
        FdInfo fd = parse(Syscall.RECVFROM, r);
        assertThat(fd.role).as("a socket without a role that reads first").isEqualTo(FdInfo.Role.SERVER);
        assertThat(fd.cip + ":" + fd.cport).isEqualTo("10.0.0.7:33000");
        assertThat(fd.sip + ":" + fd.sport).isEqualTo("10.0.0.5:5353");
        assertThat(fd.nameChanged).isTrue();
        assertThat(s.proc.fds().get(3).nameChanged)
                .as("the table's fd is not renamed for later events")
                .isFalse();
        assertThat(args(s.event))
                .containsExactly("res=5", "data=hello", "tuple=10.0.0.7:33000->10.0.0.5:5353", "fd=3", "size=64");
    }

    @Test
    void aUnixSocketIsNamedByItsBindAndKeepsTheNameThroughListen() {
        parse(Syscall.SOCKET, s.syscall(Syscall.SOCKET, 4, AF_UNIX, STREAM, 0).add());
        FdInfo bound = parse(
                Syscall.BIND,
                s.syscall(Syscall.BIND, 0, 4)
                        .tuple(AF_UNIX, STREAM, 0, null, 0, null, 0)
                        .unixAddr("/run/app.sock")
                        .add());
        assertThat(bound.type).isEqualTo("unix");
        assertThat(bound.name).isEqualTo("/run/app.sock");
        assertThat(args(s.event)).containsExactly("res=0", "addr=/run/app.sock", "fd=4");
        FdInfo listening = parse(
                Syscall.LISTEN,
                s.syscall(Syscall.LISTEN, 0, 4, 16)
                        .tuple(AF_UNIX, STREAM, 0, null, 0, null, 0)
                        .add());
        assertThat(listening.name).isEqualTo("/run/app.sock");
        assertThat(args(s.event)).containsExactly("res=0", "fd=4", "backlog=16");
    }
}
