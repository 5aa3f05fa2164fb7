package dev.peregrine.bench;

import java.util.HashMap;
import java.util.Map;

/** A bench tool's command line. */
public final class CommandLine {
    private CommandLine() {}

    /**
     * {@code --name value} pairs by name (without the dashes); a last argument without a value is
     * ignored.
     */
    public static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            m.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return m;
    }
}
