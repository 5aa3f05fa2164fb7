package dev.peregrine.detector.rule;

/** Scalar decoding as yaml-cpp (Falco's YAML library) does it, where Falco's messages depend on it. */
final class YamlScalars {
    private YamlScalars() {}

    /**
     * An unsigned 32-bit number ({@code capture_duration}): decimal, {@code 0x} hexadecimal or
     * leading-{@code 0} octal, an optional {@code +}, trailing blanks allowed, no sign, no leading
     * blank, no overflow. Null when yaml-cpp could not decode it.
     */
    static Long parseUint32(String v) {
        String s = v.stripTrailing();
        if (s.startsWith("+")) s = s.substring(1);
        if (s.isEmpty()) return null;
        int radix = 10;
        if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
            radix = 16;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127 || Character.digit(s.charAt(i), radix) < 0) return null;
        }
        try {
            long n = Long.parseLong(s, radix);
            return n <= 0xFFFF_FFFFL ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
