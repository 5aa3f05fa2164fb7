package dev.peregrine.detector.rule;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.peregrine.detector.event.Ipv4;
import dev.peregrine.detector.event.Ipv6;
import dev.peregrine.detector.field.Glob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Operand-side matchers, precompiled once per check so the per-event work is a plain comparison. */
final class ValueMatchers {
    private ValueMatchers() {}

    interface TextMatcher {
        boolean matches(String s);
    }

    interface NumberMatcher {
        boolean matches(long v);
    }

    static TextMatcher text(String op, List<String> values, String field) {
        String v = values.isEmpty() ? "" : values.getFirst();
        return switch (op) {
            case "=", "==" -> v::equals;
            case "contains" -> s -> s.contains(v);
            case "icontains" -> icontains(v);
            case "startswith" -> s -> s.startsWith(v);
            case "endswith" -> s -> s.endsWith(v);
            case "bcontains" -> {
                String bytes = hexBytes(v, field);
                yield s -> s.contains(bytes);
            }
            case "bstartswith" -> {
                String bytes = hexBytes(v, field);
                yield s -> s.startsWith(bytes);
            }
            case "glob" -> new Glob(v, false)::matches;
            case "iglob" -> new Glob(v, true)::matches;
            case "regex" -> regex(v);
            case "in", "intersects" -> new TextSet(values)::contains;
            case "pmatch" -> pmatch(values);
            default ->
                throw new CompileException("operator '" + op + "' not supported by field '" + field + "'", false);
        };
    }

    /**
     * The operand list of {@code in}: a hash set behind a check of the length. Field values such
     * as fd.name are new Strings on every event, so hashing one costs a pass over its characters;
     * most values differ in length from every item (a long path against a list of names), and a
     * bit per length rejects those first.
     */
    static final class TextSet {
        private final Set<String> items;
        /** Bit n set when an item has length n (n < 64). */
        private final long shortLengths;

        private final boolean anyLong;

        TextSet(List<String> values) {
            items = new HashSet<>(values);
            long bits = 0;
            boolean longOnes = false;
            for (String v : items) {
                if (v.length() < 64) bits |= 1L << v.length();
                else longOnes = true;
            }
            shortLengths = bits;
            anyLong = longOnes;
        }

        boolean contains(String s) {
            int n = s.length();
            boolean possible = n < 64 ? (shortLengths & 1L << n) != 0 : anyLong;
            return possible && items.contains(s);
        }
    }

    private static TextMatcher icontains(String needle) {
        int n = needle.length();
        return s -> {
            for (int i = 0; i + n <= s.length(); i++) {
                if (s.regionMatches(true, i, needle, 0, n)) return true;
            }
            return false;
        };
    }

    /**
     * Falco's regex operator: RE2, anchored at both ends. RE2 (here re2j) matches in time linear
     * in the input, so an attacker who controls a command line or a path cannot make a rule's
     * backtracking blow up and stall the detector, as java.util.regex would on e.g. {@code (a+)+b}.
     * A per-thread matcher is reset for each event so the operator does not allocate.
     */
    private static TextMatcher regex(String expression) {
        Pattern p;
        try {
            p = Pattern.compile(expression);
        } catch (RuntimeException e) {
            throw new CompileException("invalid regular expression '" + expression + "': " + e.getMessage(), false);
        }
        ThreadLocal<Matcher> matcher = ThreadLocal.withInitial(() -> p.matcher(""));
        return s -> matcher.get().reset(s).matches();
    }

    /** Path-prefix match: /etc matches /etc and /etc/passwd, not /etcetera. */
    private static TextMatcher pmatch(List<String> values) {
        String[] prefixes = values.stream()
                .map(p -> p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p)
                .toArray(String[]::new);
        return s -> {
            for (String p : prefixes) {
                if (s.startsWith(p) && (s.length() == p.length() || p.equals("/") || s.charAt(p.length()) == '/'))
                    return true;
            }
            return false;
        };
    }

    /** bcontains/bstartswith take hex bytes; buffers are held as one char per byte. */
    static String hexBytes(String hex, String field) {
        if (hex.length() % 2 != 0 || !hex.matches("[0-9a-fA-F]*")) {
            throw new CompileException("invalid hex value '" + hex + "' for field '" + field + "'", false);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) sb.append((char) Integer.parseInt(hex.substring(i, i + 2), 16));
        return sb.toString();
    }

    static NumberMatcher number(String op, List<String> values, String field) {
        long[] nums =
                values.stream().mapToLong(v -> parseNumber(v, field)).sorted().toArray();
        long v = nums.length == 0 ? 0 : nums[0];
        return switch (op) {
            case "=", "==" -> x -> x == v;
            case "<" -> x -> x < v;
            case "<=" -> x -> x <= v;
            case ">" -> x -> x > v;
            case ">=" -> x -> x >= v;
            case "in", "intersects" -> x -> Arrays.binarySearch(nums, x) >= 0;
            default ->
                throw new CompileException(
                        "operator '" + op + "' not supported by numeric field '" + field + "'", false);
        };
    }

    static long parseNumber(String v, String field) {
        String s = v.trim();
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) return Long.parseUnsignedLong(s.substring(2), 16);
            if (s.startsWith("+")) s = s.substring(1);
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new CompileException("could not parse '" + v + "' as a number for field '" + field + "'", false);
        }
    }

    static long parseBool(String v, String field) {
        if (v.equalsIgnoreCase("true")) return 1;
        if (v.equalsIgnoreCase("false")) return 0;
        throw new CompileException("could not parse '" + v + "' as a boolean for field '" + field + "'", false);
    }

    /**
     * IP networks for fd.net-like fields ({@code 10.0.0.0/8}, {@code fe80::/10}; a bare address is a
     * /32 or /128), or with {@code addresses} set the plain addresses an fd.ip-like field is compared
     * with. IPv4 and IPv6 entries may be mixed; an IPv4 network never holds an IPv6 address and
     * the other way round, as in libsinsp.
     */
    static Networks networks(List<String> values, String field, boolean addresses) {
        List<long[]> v4 = new ArrayList<>();
        List<long[]> v6 = new ArrayList<>();
        for (String v : values) {
            int slash = addresses ? -1 : v.indexOf('/');
            String ip = slash < 0 ? v : v.substring(0, slash);
            String len = slash < 0 ? null : v.substring(slash + 1);
            long a4 = Ipv4.parse(ip);
            boolean is6 = a4 < 0 && Ipv6.isValid(ip);
            int prefix = prefix(len, is6 ? 128 : 32);
            if ((a4 < 0 && !is6) || prefix < 0) {
                throw new CompileException(
                        "could not parse '" + v + "' as an IP " + (addresses ? "address" : "network") + " for field '"
                                + field + "'",
                        false);
            }
            if (is6) {
                v6.add(new long[] {Ipv6.high(ip), Ipv6.low(ip), prefix});
            } else {
                long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
                v4.add(new long[] {a4 & mask, mask});
            }
        }
        return new Networks(v4.toArray(long[][]::new), v6.toArray(long[][]::new));
    }

    private static int prefix(String len, int max) {
        if (len == null) return max;
        try {
            int n = Integer.parseInt(len);
            return n < 0 || n > max ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Compiled networks: IPv4 as base/mask, IPv6 as high/low/prefix. */
    static final class Networks {
        private final long[][] v4;
        private final long[][] v6;

        Networks(long[][] v4, long[][] v6) {
            this.v4 = v4;
            this.v6 = v6;
        }

        boolean hasV6() {
            return v6.length > 0;
        }

        boolean matchesV4(long x) {
            if (x < 0) return false;
            for (long[] n : v4) if ((x & n[1]) == n[0]) return true;
            return false;
        }

        boolean matchesV6(long hi, long lo) {
            for (long[] n : v6) if (Ipv6.inNetwork(hi, lo, n[0], n[1], (int) n[2])) return true;
            return false;
        }

        /** How many of the networks hold some of the {@code n} values of {@code a}, for a comparison modifier. */
        int countMatching(dev.peregrine.detector.field.Accessor a, dev.peregrine.detector.event.Event e, int n) {
            int matched = 0;
            for (long[] net : v4) {
                for (int i = 0; i < n; i++) {
                    long x = a.ipv4At(e, i);
                    if (x >= 0 && (x & net[1]) == net[0]) {
                        matched++;
                        break;
                    }
                }
            }
            for (long[] net : v6) {
                for (int i = 0; i < n; i++) {
                    if (a.isIpv6At(e, i)
                            && Ipv6.inNetwork(a.ipv6HiAt(e, i), a.ipv6LoAt(e, i), net[0], net[1], (int) net[2])) {
                        matched++;
                        break;
                    }
                }
            }
            return matched;
        }
    }
}
