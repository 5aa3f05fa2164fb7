package dev.peregrine.detector.state;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The container a cgroup belongs to, from its leaf name: the 64-hex id engines name it by. */
final class ContainerIdFromCgroup {
    private static final Pattern ID = Pattern.compile("([0-9a-f]{64})");

    private ContainerIdFromCgroup() {}

    /** Falco's short container id (12 hex digits), or "host". */
    static String shortId(String cgroupLeaf) {
        if (cgroupLeaf == null) {
            return "host";
        }
        Matcher m = ID.matcher(cgroupLeaf);
        return m.find() ? m.group(1).substring(0, 12) : "host";
    }
}
