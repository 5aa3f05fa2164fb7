package dev.peregrine.detector.process;

import dev.peregrine.detector.capture.SockTuple;
import dev.peregrine.detector.event.Ipv6;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The address bind was given (its struct sockaddr as the caller passed it), and the fd name
 * libsinsp makes of it: {@code ip:port} (IPv6 as inet_ntop writes it, {@code ::1:8080}), or a
 * unix socket's path ({@code @} and the name for an abstract one).
 *
 * @param ip the address as fd.sip gives it, null for a unix socket; an IPv4-mapped or
 *           unspecified IPv6 address is the IPv4 one, as libsinsp takes it
 * @param v6 the socket is an IPv6 one to libsinsp (not mapped, not unspecified)
 */
public record Bound(String name, String ip, boolean v6, int port) {
    /** The address of a struct sockaddr (AF_INET, AF_INET6 or AF_UNIX); null for another family or too short a one. */
    public static Bound decode(byte[] b) {
        if (b.length < 2) return null;
        int family = (b[0] & 0xff) | (b[1] & 0xff) << 8;
        int port = b.length < 4 ? 0 : (b[2] & 0xff) << 8 | (b[3] & 0xff);
        if (family == SockTuple.AF_INET && b.length >= 8) {
            return of(Arrays.copyOfRange(b, 4, 8), port);
        }
        if (family == SockTuple.AF_INET6 && b.length >= 24) {
            return of(Arrays.copyOfRange(b, 8, 24), port);
        }
        if (family == SockTuple.AF_UNIX && b.length > 2) {
            boolean abstractName = b[2] == 0;
            int from = abstractName ? 3 : 2, end = from;
            while (end < b.length && b[end] != 0) end++;
            String path = new String(b, from, end - from, StandardCharsets.UTF_8);
            return new Bound(abstractName ? "@" + path : path, null, false, 0);
        }
        return null;
    }

    /** An IP address (4 or 16 bytes) and port, as libsinsp takes and names them. */
    public static Bound of(byte[] a, int port) {
        if (a.length == 4) {
            String ip = (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
            return new Bound(ip + ":" + port, ip, false, port);
        }
        String text = Ipv6.format(a);
        boolean v4 = true;
        for (int i = 0; i < 10; i++) v4 &= a[i] == 0;
        v4 &= (a[10] == -1 && a[11] == -1) || Arrays.equals(a, new byte[16]);
        String ip = v4 ? (a[12] & 0xff) + "." + (a[13] & 0xff) + "." + (a[14] & 0xff) + "." + (a[15] & 0xff) : text;
        return new Bound(text + ":" + port, ip, !v4, port);
    }
}
