package dev.peregrine.detector.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** struct sock_tuple of bpf/events.h: a socket as the kernel saw it after the syscall. */
public record SockTuple(
        int family, int type, int protocol, int lport, int rport, InetAddress laddr, InetAddress raddr) {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    static final int SIZE = 42;

    static SockTuple decode(byte[] b) {
        if (b.length < SIZE) {
            return new SockTuple(0, 0, 0, 0, 0, null, null);
        }
        int family = RawEvent.u16(b, 0);
        return new SockTuple(
                family,
                RawEvent.u16(b, 2),
                RawEvent.u16(b, 4),
                RawEvent.u16(b, 6),
                RawEvent.u16(b, 8),
                address(family, Arrays.copyOfRange(b, 10, 26)),
                address(family, Arrays.copyOfRange(b, 26, 42)));
    }

    public boolean isIp() {
        return family == AF_INET || family == AF_INET6;
    }

    private static InetAddress address(int family, byte[] raw) {
        try {
            return switch (family) {
                case AF_INET -> InetAddress.getByAddress(Arrays.copyOf(raw, 4));
                case AF_INET6 -> InetAddress.getByAddress(raw);
                default -> null;
            };
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
