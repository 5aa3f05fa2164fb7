package dev.peregrine.fuzz.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Sends a request exactly as given, bytes and all (a malformed request cannot go through an HTTP
 * client), over a fresh loopback connection, then half-closes it: the server sees the end of the
 * input, so whatever it waited for it stops waiting. Reads the answer until the server closes,
 * within a deadline.
 */
final class RawHttp {
    /** What came back: the status (-1: closed without an answer), or a hang. */
    record Outcome(int status, String text, boolean hung, long millis) {
        String firstLine() {
            int end = text.indexOf("\r\n");
            return end < 0 ? text : text.substring(0, end);
        }

        /** The final response's text: after any interim 100 Continue. */
        String finalText() {
            String s = text;
            while (s.startsWith("HTTP/1.1 1") && s.indexOf("\r\n\r\n") >= 0) {
                s = s.substring(s.indexOf("\r\n\r\n") + 4);
            }
            return s;
        }
    }

    private RawHttp() {}

    static Outcome exchange(int port, byte[] request, long deadlineMillis) throws IOException {
        long start = System.currentTimeMillis();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(250);
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
                socket.shutdownOutput();
            } catch (IOException e) {
                // the server answered and closed before taking all of it (a body over the limit)
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[8192];
            while (true) {
                if (System.currentTimeMillis() - start > deadlineMillis) {
                    return new Outcome(status(answer), text(answer), true, System.currentTimeMillis() - start);
                }
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    n = -1; // reset by the server: as good as closed
                }
                if (n < 0) {
                    return new Outcome(status(answer), text(answer), false, System.currentTimeMillis() - start);
                }
                answer.write(buf, 0, n);
            }
        }
    }

    private static String text(ByteArrayOutputStream answer) {
        return answer.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status of the final response (after any 100 Continue), -1 if there is none. */
    private static int status(ByteArrayOutputStream answer) {
        String s = text(answer);
        while (true) {
            if (!s.startsWith("HTTP/1.") || s.length() < 12) {
                return -1;
            }
            int status;
            try {
                status = Integer.parseInt(s.substring(9, 12));
            } catch (NumberFormatException e) {
                return -1;
            }
            int end = s.indexOf("\r\n\r\n");
            if (status >= 200 || end < 0) {
                return status;
            }
            s = s.substring(end + 4); // an interim 1xx response: the final one follows
        }
    }
}
