package dev.peregrine.sidekick.alert;

/**
 * What text in an alert may hold: what Falco's JSON output can contain, no more.
 *
 * <p>Falco writes its JSON with nlohmann::json, replacing invalid UTF-8 ({@code formats.cpp},
 * {@code error_handler_t::replace}); libsinsp sanitizes every field value it formats
 * ({@code sinsp_utils::sanitize_string}), replacing control characters (C0, DEL, C1), broken or
 * overlong sequences and Unicode non-characters. What is left that is not printable comes from
 * the rules file itself: a rule's name or output template may hold a tab or a line break. So
 * text here is valid UTF-8 without NUL, other C0 controls but tab, LF and CR, DEL, C1 controls,
 * unpaired surrogates (which only a JSON escape of half a surrogate pair can produce) or
 * non-characters.
 */
public final class AlertText {
    private static final char REPLACEMENT = '\uFFFD';

    private AlertText() {}

    /**
     * {@code text} for an error message or a log line: at most 40 characters, in quotes, with
     * anything but printable ASCII written as a JSON-style escape (backslash, u, four hex digits), so a sender can neither
     * forge log lines nor flood a log with what it sent.
     */
    public static String quoted(String text) {
        StringBuilder out = new StringBuilder("'");
        int n = Math.min(text.length(), 40);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.append(text.length() > n ? "'..." : "'").toString();
    }

    /**
     * The offset of the first byte of {@code body} that cannot be in UTF-8 JSON, or -1: a byte
     * that is not well-formed UTF-8 (overlong forms such as {@code C0 80} for NUL, encoded
     * surrogates, truncated sequences, bytes F5-FF), or a raw control byte other than JSON's
     * whitespace (inside a string JSON needs it escaped; outside, only whitespace may appear).
     * The latter also turns away UTF-16 and UTF-32 bodies, which JSON over a network may not use.
     */
    public static int firstInvalidByte(byte[] body) {
        int n = body.length;
        int i = 0;
        while (i < n) {
            int b = body[i];
            if (b >= 0x20) {
                i++;
                continue;
            }
            if (b >= 0) {
                if (b == '\t' || b == '\n' || b == '\r') {
                    i++;
                    continue;
                }
                return i;
            }
            int c = b & 0xFF;
            int length = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c <= 0xF4 ? 4 : 0;
            if (length == 0 || i + length > n) {
                return i;
            }
            // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and
            // code points above U+10FFFF (F4): Unicode's table 3-7 of well-formed sequences.
            int second = body[i + 1] & 0xFF;
            int low = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
            int high = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
            if (second < low || second > high) {
                return i;
            }
            for (int k = 2; k < length; k++) {
                if ((body[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += length;
        }
        return -1;
    }

    /** Why {@code text} cannot be alert text, or null when it can. */
    public static String problem(String text) {
        int i = firstForbidden(text);
        if (i < 0) {
            return null;
        }
        int cp = text.codePointAt(i);
        String what = cp < 0xA0
                ? "a control character"
                : cp < 0x10000 && Character.isSurrogate((char) cp)
                        ? "an unpaired surrogate"
                        : "a Unicode non-character";
        return String.format("contains U+%04X (%s) at character %d; Falco never sends one", cp, what, i);
    }

    /** {@code text} with every character {@link #problem} objects to replaced by U+FFFD, as libsinsp does. */
    public static String sanitized(String text) {
        if (firstForbidden(text) < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int next = firstForbidden(text, i);
            if (next < 0) {
                out.append(text, i, text.length());
                break;
            }
            out.append(text, i, next).append(REPLACEMENT);
            i = next + Character.charCount(forbiddenAt(text, next));
        }
        return out.toString();
    }

    private static int firstForbidden(String text) {
        return firstForbidden(text, 0);
    }

    /** The index of the first forbidden character at or after {@code from}, or -1. */
    private static int firstForbidden(String text, int from) {
        int n = text.length();
        for (int i = from; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                continue; // printable ASCII: nearly every character of every alert
            }
            if (c == '\t' || c == '\n' || c == '\r') {
                continue;
            }
            if (c < 0xA0) {
                return i;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    if ((Character.toCodePoint(c, text.charAt(i + 1)) & 0xFFFE) == 0xFFFE) {
                        return i;
                    }
                    i++;
                    continue;
                }
                return i;
            }
            if (Character.isLowSurrogate(c) || (c >= 0xFDD0 && c <= 0xFDEF) || c >= 0xFFFE) {
                return i;
            }
        }
        return -1;
    }

    /** The code point at a forbidden index; a lone surrogate counts as one char. */
    private static int forbiddenAt(String text, int i) {
        char c = text.charAt(i);
        return Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                ? Character.toCodePoint(c, text.charAt(i + 1))
                : c;
    }
}
