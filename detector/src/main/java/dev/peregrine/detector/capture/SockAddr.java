package dev.peregrine.detector.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A struct sockaddr as a syscall passed or received it (connect's, sendto's and sendmsg's
 * destination, recvfrom's and recvmsg's sender). Only IP addresses are decoded; anything else,
 * or an absent address, has family 0.
 */
public record SockAddr(int family, InetAddress address, int port) {
    static final SockAddr NONE = new SockAddr(0, null, 0);

    static SockAddr decode(byte[] b) {
        if (b.length < 2) {
            return NONE;
        }
        int family = RawEvent.u16(b, 0);
        // sockaddr_in: family, port (network order), 4-byte address; sockaddr_in6: ..., flowinfo, 16-byte address
        int addrOffset = family == SockTuple.AF_INET ? 4 : 8;
        int addrLength = family == SockTuple.AF_INET ? 4 : 16;
        if ((family != SockTuple.AF_INET && family != SockTuple.AF_INET6) || b.length < addrOffset + addrLength) {
            return NONE;
        }
        int port = (Byte.toUnsignedInt(b[2]) << 8) | Byte.toUnsignedInt(b[3]);
        try {
            return new SockAddr(
                    family, InetAddress.getByAddress(Arrays.copyOfRange(b, addrOffset, addrOffset + addrLength)), port);
        } catch (UnknownHostException e) {
            return NONE;
        }
    }

    public boolean isIp() {
        return address != null;
    }
}
