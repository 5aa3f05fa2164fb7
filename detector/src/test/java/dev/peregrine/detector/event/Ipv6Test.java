package dev.peregrine.detector.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv6Test {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ::                                      | 0000000000000000 | 0000000000000000
            ::1                                     | 0000000000000000 | 0000000000000001
            1::                                     | 0001000000000000 | 0000000000000000
            fe80::1                                 | fe80000000000000 | 0000000000000001
            FE80:0:0:0:0:0:0:1                      | fe80000000000000 | 0000000000000001
            2001:db8:85a3::8a2e:370:7334            | 20010db885a30000 | 00008a2e03707334
            2001:0db8:0000:0000:0000:0000:0000:0001 | 20010db800000000 | 0000000000000001
            ::ffff:10.0.0.1                         | 0000000000000000 | 0000ffff0a000001
            1:2:3:4:5:6:7:8                         | 0001000200030004 | 0005000600070008
            1:2:3:4:5:6::8                          | 0001000200030004 | 0005000600000008
            """)
    void parsesIntoTwoHalves(String text, String hi, String lo) {
        assertThat(Ipv6.isValid(text)).isTrue();
        assertThat(Long.toHexString(Ipv6.high(text))).isEqualTo(Long.toHexString(Long.parseUnsignedLong(hi, 16)));
        assertThat(Long.toHexString(Ipv6.low(text))).isEqualTo(Long.toHexString(Long.parseUnsignedLong(lo, 16)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ":",
                ":::",
                "1:2",
                "1::2::3",
                ":1::",
                "1:",
                "12345::",
                "g::1",
                "1:2:3:4:5:6:7:8:9",
                "1:2:3:4:5:6:7::8",
                "::1.2.3",
                "::1.2.3.4.5",
                "10.0.0.1",
                "fe80::1%eth0",
                "localhost"
            })
    void rejectsWhatIsNotAnAddress(String text) {
        assertThat(Ipv6.isValid(text)).as(text).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ::1                         | ::1
            ::                          | ::
            fe80::1                     | fe80::1
            2001:db8:0:0:1:0:0:1        | 2001:db8::1:0:0:1
            2001:db8:0:1:0:0:0:1        | 2001:db8:0:1::1
            1:0:2:0:3:0:4:0             | 1:0:2:0:3:0:4:0
            1::                         | 1::
            2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF | 2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff
            ::2.3.4.5                   | ::2.3.4.5
            64:ff9b::1.2.3.4            | 64:ff9b::102:304
            """)
    void printsLikeInetNtop(String in, String expected) throws Exception {
        byte[] raw = new byte[16];
        long hi = Ipv6.high(in), lo = Ipv6.low(in);
        for (int i = 0; i < 8; i++) {
            raw[i] = (byte) (hi >>> (56 - 8 * i));
            raw[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        assertThat(Ipv6.format(raw)).isEqualTo(expected);
        // The printed form reads back to the same address.
        assertThat(InetAddress.getByName(expected).getAddress()).isEqualTo(raw);
    }

    @Test
    void ipv4MappedAddressesKeepTheirDottedTail() {
        byte[] raw = new byte[16];
        raw[10] = (byte) 0xFF;
        raw[11] = (byte) 0xFF;
        raw[12] = 10;
        raw[15] = 1;
        assertThat(Ipv6.format(raw)).isEqualTo("::ffff:10.0.0.1");
    }

    @Test
    void networksMatchOnTheirPrefix() {
        long hi = Ipv6.high("fe80::1234"), lo = Ipv6.low("fe80::1234");
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fe80::"), Ipv6.low("fe80::"), 10))
                .isTrue();
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fec0::"), Ipv6.low("fec0::"), 10))
                .isFalse();
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fe80::1234"), Ipv6.low("fe80::1234"), 128))
                .isTrue();
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fe80::1235"), Ipv6.low("fe80::1235"), 128))
                .isFalse();
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fe80::1200"), Ipv6.low("fe80::1200"), 120))
                .isTrue();
        assertThat(Ipv6.inNetwork(hi, lo, 0, 0, 0)).isTrue();
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fe80::"), Ipv6.low("fe80::"), 64))
                .isTrue();
        assertThat(Ipv6.inNetwork(hi, lo, Ipv6.high("fe80:0:0:1::"), Ipv6.low("fe80:0:0:1::"), 64))
                .isFalse();
    }
}
