package dev.peregrine.detector.process;

import java.util.ArrayDeque;
import java.util.Deque;

/** Path arithmetic as the kernel resolves names, done on strings: no filesystem access. */
public final class Paths {
    private Paths() {}

    /** {@code base}/{@code name}, normalised ("." and ".." folded, repeated slashes removed). */
    public static String join(String base, String name) {
        if (name.startsWith("/")) {
            return normalize(name);
        }
        return normalize((base == null ? "" : base) + "/" + name);
    }

    public static String normalize(String path) {
        if (isNormal(path)) {
            return path;
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(s);
            }
        }
        return "/" + String.join("/", parts);
    }

    /**
     * Whether normalising would return the path unchanged: absolute, and no empty, "." or ".."
     * component (no "//", "/./", "/../", nor a trailing "/", "/." or "/.."; "/" itself is normal).
     * Nearly every path a program opens is, and one scan is much cheaper than split and join.
     */
    public static boolean isNormal(String path) {
        int n = path.length();
        if (n == 0 || path.charAt(0) != '/') {
            return false;
        }
        if (n == 1) {
            return true;
        }
        // Searches for "//" and "/." run vectorised; without a "/." no component can be "." or "..".
        if (path.charAt(n - 1) == '/' || path.indexOf("//") >= 0) {
            return false;
        }
        if (path.indexOf("/.") < 0) {
            return true;
        }
        int start = 1; // first character of the current component
        for (int i = 1; i <= n; i++) {
            if (i == n || path.charAt(i) == '/') {
                int len = i - start;
                if (len == 0
                        || (len == 1 && path.charAt(start) == '.')
                        || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }
}
