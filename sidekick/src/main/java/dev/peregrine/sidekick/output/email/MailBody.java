package dev.peregrine.sidekick.output.email;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A mail body in its wire form, built once: {@code text/plain} or {@code multipart/alternative}
 * of a text and an HTML part, UTF-8, each part 7bit when it is ASCII in short lines and base64
 * otherwise. Handing Jakarta Mail these bytes (see {@link EmailOutput}) spares it, per mail, a
 * {@code ServiceLoader} class-path scan for every body part and multipart it creates
 * (jakartaee/mail-api #699) and writing each body byte by byte through its encoder streams,
 * which together took three quarters of the email output's CPU.
 *
 * @param contentType the message's Content-Type header
 * @param encoding its Content-Transfer-Encoding; null for a multipart (each part has its own)
 * @param content the body, CRLF line breaks
 */
record MailBody(String contentType, String encoding, byte[] content) {
    private static final byte[] CRLF = {'\r', '\n'};
    /** RFC 5322's limit on a line, without its CRLF. */
    private static final int MAX_LINE = 998;

    static MailBody text(String text) {
        String crlf = crlf(text);
        String encoding = sevenBit(crlf) ? "7bit" : "base64";
        return new MailBody("text/plain; charset=UTF-8", encoding, encode(crlf, encoding));
    }

    /**
     * The text and HTML alternatives. {@code boundary} must not occur in either body; a part in
     * which it does is sent base64, whose alphabet has no '_'.
     */
    static MailBody alternative(String text, String html, String boundary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + html.length() + 512);
        part(out, boundary, "text/plain; charset=UTF-8", crlf(text));
        part(out, boundary, "text/html; charset=UTF-8", crlf(html));
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return new MailBody("multipart/alternative; boundary=\"" + boundary + "\"", null, out.toByteArray());
    }

    private static void part(ByteArrayOutputStream out, String boundary, String type, String body) {
        String encoding = sevenBit(body) && !body.contains(boundary) ? "7bit" : "base64";
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046), so a body's own last
        // line break is kept, as Jakarta Mail's MimeMultipart writes it.
        if (out.size() > 0) {
            out.writeBytes(CRLF);
        }
        out.writeBytes(("--" + boundary + "\r\nContent-Type: " + type + "\r\nContent-Transfer-Encoding: " + encoding
                        + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(encode(body, encoding));
    }

    private static byte[] encode(String body, String encoding) {
        byte[] utf8 = body.getBytes(StandardCharsets.UTF_8);
        return encoding.equals("7bit") ? utf8 : Base64.getMimeEncoder().encode(utf8);
    }

    /** Line breaks as CRLF, as MIME's canonical form of text wants them. */
    static String crlf(String s) {
        if (s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return s.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
    }

    /** ASCII without NUL, in lines SMTP takes as they are. */
    private static boolean sevenBit(String s) {
        int line = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 127) {
                return false;
            }
            line = c == '\n' ? 0 : line + 1;
            if (line > MAX_LINE) {
                return false;
            }
        }
        return true;
    }
}
