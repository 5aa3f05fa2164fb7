package dev.peregrine.detector.condition;

/** String quoting rules of the filter language, matching libsinsp so canonical forms agree. */
public final class Escaping {
    private Escaping() {}

    /**
     * Quotes a value when it holds a blank or a quote character. An empty string stays empty, as in
     * libsinsp, which is why {@code proc.args = ""} prints as {@code proc.args = }.
     */
    public static String escape(String s) {
        return escape(s, false);
    }

    /** Always quoted: a transformer argument is a string only when quoted ({@code join("", ...)}). */
    public static String quote(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean alwaysQuote) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        boolean quote = alwaysQuote;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\b' -> {
                    quote = true;
                    out.append("\\b");
                }
                case '\f' -> {
                    quote = true;
                    out.append("\\f");
                }
                case '\n' -> {
                    quote = true;
                    out.append("\\n");
                }
                case '\r' -> {
                    quote = true;
                    out.append("\\r");
                }
                case '\t' -> {
                    quote = true;
                    out.append("\\t");
                }
                case ' ', '\'' -> {
                    quote = true;
                    out.append(c);
                }
                case '\\' -> {
                    quote = true;
                    out.append("\\\\");
                }
                case '"' -> {
                    quote = true;
                    out.append("\\\"");
                }
                default -> out.append(c);
            }
        }
        return quote ? "\"" + out + "\"" : out.toString();
    }

    /** Unescapes a quoted token including its delimiters; throws with libsinsp's message on a bad escape. */
    static String unescape(String quoted) {
        char delimiter = quoted.charAt(0);
        StringBuilder out = new StringBuilder(quoted.length());
        boolean escaped = false;
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (!escaped) {
                if (c == '\\') {
                    escaped = true;
                } else {
                    out.append(c);
                }
                continue;
            }
            switch (c) {
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                // "\ " is accepted because published rules contained it once.
                case ' ', '\\' -> out.append('\\');
                case '/' -> out.append('/');
                case '"' -> {
                    if (delimiter != '"') throw new IllegalArgumentException("invalid \\\" escape in '-quoted string");
                    out.append('"');
                }
                case '\'' -> {
                    if (delimiter != '\'') throw new IllegalArgumentException("invalid \\' escape in \"-quoted string");
                    out.append('\'');
                }
                default -> throw new IllegalArgumentException("unsupported string escape sequence: \\" + c);
            }
            escaped = false;
        }
        return out.toString();
    }
}
