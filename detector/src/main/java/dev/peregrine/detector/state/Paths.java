package dev.peregrine.detector.state;

import java.util.ArrayDeque;
import java.util.Deque;

/** Path arithmetic as the kernel resolves names, done on strings: no filesystem access. */
final class Paths {
    private Paths() {}

    /** {@code base}/{@code name}, normalised ("." and ".." folded, repeated slashes removed). */
    static String join(String base, String name) {
        if (name.startsWith("/")) {
            return normalize(name);
        }
        return normalize((base == null ? "" : base) + "/" + name);
    }

    static String normalize(String path) {
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
}
