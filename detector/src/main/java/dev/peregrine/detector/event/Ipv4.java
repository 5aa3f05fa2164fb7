package dev.peregrine.detector.event;

/** Allocation-free IPv4 parsing, so network-mask checks cost nothing per event. */
public final class Ipv4 {
    private Ipv4() {}

    /** The address as an unsigned 32-bit value, or -1 when {@code s} is not a dotted quad. */
    public static long parse(CharSequence s) {
        if (s == null) return -1;
        return parse(s, 0, s.length());
    }

    /** {@link #parse(CharSequence)} of {@code s[from, to)}, without copying. */
    public static long parse(CharSequence s, int from, int to) {
        long value = 0;
        int octets = 0, digits = 0, octet = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                octet = octet * 10 + (c - '0');
                if (++digits > 3 || octet > 255) return -1;
            } else if (c == '.') {
                if (digits == 0 || octets == 3) return -1;
                value = (value << 8) | octet;
                octets++;
                digits = 0;
                octet = 0;
            } else {
                return -1;
            }
        }
        if (digits == 0 || octets != 3) return -1;
        return (value << 8) | octet;
    }
}
