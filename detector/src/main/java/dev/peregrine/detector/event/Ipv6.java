package dev.peregrine.detector.event;

/**
 * IPv6 addresses as two longs (high and low 64 bits), parsed without allocating so network checks
 * cost nothing per event, and printed the way Falco prints them (glibc's inet_ntop).
 */
public final class Ipv6 {
    private Ipv6() {}

    private static final int VALID = 0, HIGH = 1, LOW = 2;

    /** True when {@code s} is an IPv6 address in text form ({@code ::1}, {@code fe80::1}, {@code ::ffff:1.2.3.4}). */
    public static boolean isValid(CharSequence s) {
        return s != null && parse(s, 0, s.length(), VALID) == 1;
    }

    /** The high 64 bits of a valid address. */
    public static long high(CharSequence s) {
        return parse(s, 0, s.length(), HIGH);
    }

    /** The low 64 bits of a valid address. */
    public static long low(CharSequence s) {
        return parse(s, 0, s.length(), LOW);
    }

    /**
     * One parse, three answers: validity (1 or 0), or one half of the address. Groups before a
     * "::" fill the address from the top, groups after it from the bottom.
     */
    private static long parse(CharSequence s, int from, int to, int what) {
        long headHi = 0, headLo = 0, tailHi = 0, tailLo = 0;
        int head = 0, tail = 0;
        boolean gap = false;
        int i = from;
        if (to - i >= 2 && s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
            gap = true;
            i += 2;
        } else if (i < to && s.charAt(i) == ':') {
            return invalid(what);
        }
        while (i < to) {
            int start = i;
            int group = 0;
            while (i < to && i - start < 5 && hex(s.charAt(i)) >= 0) {
                group = (group << 4) | hex(s.charAt(i));
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                // An embedded IPv4 address ends the text and counts for two groups.
                long v4 = Ipv4.parse(s, start, to);
                if (v4 < 0) return invalid(what);
                for (int k = 0; k < 2; k++) {
                    int g = (int) (v4 >>> (16 - 16 * k)) & 0xFFFF;
                    if (gap) {
                        tailHi = (tailHi << 16) | (tailLo >>> 48);
                        tailLo = (tailLo << 16) | g;
                        tail++;
                    } else {
                        headHi = (headHi << 16) | (headLo >>> 48);
                        headLo = (headLo << 16) | g;
                        head++;
                    }
                }
                i = to;
                break;
            }
            if (i == start || i - start > 4) return invalid(what);
            if (gap) {
                tailHi = (tailHi << 16) | (tailLo >>> 48);
                tailLo = (tailLo << 16) | group;
                tail++;
            } else {
                headHi = (headHi << 16) | (headLo >>> 48);
                headLo = (headLo << 16) | group;
                head++;
            }
            if (i == to) break;
            if (s.charAt(i) != ':') return invalid(what);
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (gap) return invalid(what);
                gap = true;
                i++;
            } else if (i == to) {
                return invalid(what);
            }
        }
        if (gap ? head + tail > 7 : head != 8) return invalid(what);
        // Move the head groups to the top: shift left by the groups that follow them.
        int shift = 16 * (8 - head);
        long hi, lo;
        if (shift >= 128) {
            hi = 0;
            lo = 0;
        } else if (shift >= 64) {
            hi = headLo << (shift - 64);
            lo = 0;
        } else if (shift > 0) {
            hi = (headHi << shift) | (headLo >>> (64 - shift));
            lo = headLo << shift;
        } else {
            hi = headHi;
            lo = headLo;
        }
        hi |= tailHi;
        lo |= tailLo;
        return switch (what) {
            case HIGH -> hi;
            case LOW -> lo;
            default -> 1;
        };
    }

    private static long invalid(int what) {
        if (what == VALID) return 0;
        throw new IllegalArgumentException("not an IPv6 address");
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** True when {@code hi:lo} lies in {@code baseHi:baseLo/prefix}. */
    public static boolean inNetwork(long hi, long lo, long baseHi, long baseLo, int prefix) {
        long maskHi = prefix <= 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
        long maskLo = prefix <= 64 ? 0 : prefix >= 128 ? -1L : -1L << (128 - prefix);
        return (hi & maskHi) == (baseHi & maskHi) && (lo & maskLo) == (baseLo & maskLo);
    }

    /**
     * The text form Falco prints (inet_ntop): lower-case groups without leading zeros, the longest
     * run of two or more zero groups as "::" (the first such run on a tie), and an IPv4-mapped or
     * IPv4-compatible address with its last 32 bits dotted.
     */
    public static String format(byte[] a) {
        if (a.length != 16) throw new IllegalArgumentException("an IPv6 address has 16 bytes");
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
        int bestBase = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) {
                bestBase = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) bestBase = -1;
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) sb.append(':');
                continue;
            }
            if (i != 0) sb.append(':');
            if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xFFFF))) {
                sb.append(a[12] & 0xFF)
                        .append('.')
                        .append(a[13] & 0xFF)
                        .append('.')
                        .append(a[14] & 0xFF)
                        .append('.')
                        .append(a[15] & 0xFF);
                return sb.toString();
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) sb.append(':');
        return sb.toString();
    }
}
