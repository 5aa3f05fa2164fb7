package dev.peregrine.detector.rule;

import dev.peregrine.detector.event.Ipv4;
import dev.peregrine.detector.field.Glob;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

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
            case "bcontains" -> { String bytes = hexBytes(v, field); yield s -> s.contains(bytes); }
            case "bstartswith" -> { String bytes = hexBytes(v, field); yield s -> s.startsWith(bytes); }
            case "glob" -> new Glob(v, false)::matches;
            case "iglob" -> new Glob(v, true)::matches;
            case "regex" -> regex(v);
            case "in", "intersects" -> {
                Set<String> set = new HashSet<>(values);
                yield set::contains;
            }
            case "pmatch" -> pmatch(values);
            default -> throw new CompileException("operator '" + op + "' not supported by field '" + field + "'", false);
        };
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

    /** A per-thread matcher is reset for each event so the regex operator does not allocate. */
    private static TextMatcher regex(String expression) {
        Pattern p;
        try {
            p = Pattern.compile(expression);
        } catch (RuntimeException e) {
            throw new CompileException("invalid regular expression '" + expression + "': " + e.getMessage(), false);
        }
        ThreadLocal<java.util.regex.Matcher> matcher = ThreadLocal.withInitial(() -> p.matcher(""));
        return s -> matcher.get().reset(s).matches();
    }

    /** Path-prefix match: /etc matches /etc and /etc/passwd, not /etcetera. */
    private static TextMatcher pmatch(List<String> values) {
        String[] prefixes = values.stream().map(p -> p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p)
                .toArray(String[]::new);
        return s -> {
            for (String p : prefixes) {
                if (s.startsWith(p) && (s.length() == p.length() || p.equals("/") || s.charAt(p.length()) == '/')) return true;
            }
            return false;
        };
    }

    /** bcontains/bstartswith take hex bytes; buffers are held as one char per byte. */
    private static String hexBytes(String hex, String field) {
        if (hex.length() % 2 != 0 || !hex.matches("[0-9a-fA-F]*")) {
            throw new CompileException("invalid hex value '" + hex + "' for field '" + field + "'", false);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) sb.append((char) Integer.parseInt(hex.substring(i, i + 2), 16));
        return sb.toString();
    }

    static NumberMatcher number(String op, List<String> values, String field) {
        long[] nums = values.stream().mapToLong(v -> parseNumber(v, field)).sorted().toArray();
        long v = nums.length == 0 ? 0 : nums[0];
        return switch (op) {
            case "=", "==" -> x -> x == v;
            case "<" -> x -> x < v;
            case "<=" -> x -> x <= v;
            case ">" -> x -> x > v;
            case ">=" -> x -> x >= v;
            case "in", "intersects" -> x -> java.util.Arrays.binarySearch(nums, x) >= 0;
            default -> throw new CompileException("operator '" + op + "' not supported by numeric field '" + field + "'", false);
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

    /** IPv4 networks (a.b.c.d/len, or a bare address as /32) as base/mask pairs. */
    static NumberMatcher networks(List<String> values, String field) {
        long[] bases = new long[values.size()];
        long[] masks = new long[values.size()];
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            int slash = v.indexOf('/');
            long ip = Ipv4.parse(slash < 0 ? v : v.substring(0, slash));
            int len;
            try {
                len = slash < 0 ? 32 : Integer.parseInt(v.substring(slash + 1));
            } catch (NumberFormatException e) {
                len = -1;
            }
            if (ip < 0 || len < 0 || len > 32) {
                throw new CompileException("could not parse '" + v + "' as an IPv4 network for field '" + field + "'", false);
            }
            masks[i] = len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
            bases[i] = ip & masks[i];
        }
        return x -> {
            if (x < 0) return false;
            for (int i = 0; i < bases.length; i++) if ((x & masks[i]) == bases[i]) return true;
            return false;
        };
    }
}
