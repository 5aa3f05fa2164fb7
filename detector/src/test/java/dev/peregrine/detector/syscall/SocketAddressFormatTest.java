package dev.peregrine.detector.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Socket addresses in fd.name, fd.sip, ... as Falco prints them. */
class SocketAddressFormatTest {

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void ipv6IsPrintedCompressedLikeInetNtop() throws Exception {
        assertThat(ip("::1").getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(SocketFds.address(ip("::1"), true)).isEqualTo("::1");
        assertThat(SocketFds.address(ip("2001:db8:0:0:1:0:0:1"), true)).isEqualTo("2001:db8::1:0:0:1");
        assertThat(SocketFds.address(ip("::"), true)).isEqualTo("::");
    }

    @Test
    void ipv4StaysDottedAndTurnsMappedInAnIpv6Socket() throws Exception {
        assertThat(SocketFds.address(ip("10.0.0.1"), false)).isEqualTo("10.0.0.1");
        // Java already reads ::ffff:10.0.0.1 as an IPv4 address.
        assertThat(SocketFds.address(ip("::ffff:10.0.0.1"), false)).isEqualTo("10.0.0.1");
        assertThat(SocketFds.address(ip("::ffff:10.0.0.1"), true)).isEqualTo("::ffff:10.0.0.1");
        assertThat(SocketFds.address(ip("::"), false)).isEqualTo("0.0.0.0");
    }
}
