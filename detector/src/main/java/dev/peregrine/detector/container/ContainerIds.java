package dev.peregrine.detector.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which container a cgroup belongs to, from its path or leaf name alone: pure functions, no I/O
 * except {@link #forPid}.
 *
 * <p>Recognised layouts (the deepest matching path segment wins, so a cgroup nested inside a
 * container, e.g. {@code /docker/<id>/init.scope}, or docker-in-docker, resolves to the innermost
 * container):
 * <ul>
 * <li>Docker, cgroupfs driver: {@code /docker/<id>}; systemd driver: {@code docker-<id>.scope}</li>
 * <li>containerd CRI: {@code cri-containerd-<id>.scope} (systemd driver), the cgroupsPath form
 *     {@code kubepods-...slice:cri-containerd:<id>}, and bare {@code /kubepods/<qos>/pod<uid>/<id>}
 *     (cgroupfs driver: also used by cri-dockerd, hence {@link Ref#guessed})</li>
 * <li>CRI-O: {@code crio-<id>.scope} (systemd driver), {@code /kubepods/<qos>/pod<uid>/crio-<id>}
 *     (cgroupfs driver), {@code ...slice:crio:<id>}</li>
 * <li>podman: {@code libpod-<id>.scope}, {@code /libpod_parent/libpod-<id>}</li>
 * </ul>
 * Container monitors ({@code crio-conmon-<id>.scope}, {@code libpod-conmon-<id>.scope}) are not
 * containers. Ids are 64 lowercase hex digits; anything else is the host.
 */
public final class ContainerIds {
    /** Container runtimes, with the names Falco uses for {@code container.type}. */
    public enum Runtime {
        DOCKER("docker"),
        CONTAINERD("containerd"),
        CRIO("cri-o"),
        PODMAN("podman");

        public final String type;

        Runtime(String type) {
            this.type = type;
        }
    }

    /**
     * A container found in a cgroup path.
     *
     * @param id the full 64-hex container id
     * @param podUid the Kubernetes pod uid when the path has a {@code pod<uid>} segment, else null
     * @param guessed the runtime comes from a bare id only (no runtime prefix), so another engine
     *                may know the container better (Docker via cri-dockerd under kubepods, say)
     */
    public record Ref(Runtime runtime, String id, String podUid, boolean guessed) {
        /** The 12-character id Falco shows as {@code container.id}. */
        public String shortId() {
            return id.substring(0, 12);
        }
    }

    private static final String[][] SCOPES = {
        // prefix, suffix, runtime
        {"docker-", ".scope"}, {"cri-containerd-", ".scope"}, {"crio-", ".scope"}, {"libpod-", ".scope"},
    };
    private static final Runtime[] SCOPE_RUNTIMES = {Runtime.DOCKER, Runtime.CONTAINERD, Runtime.CRIO, Runtime.PODMAN};
    private static final String[][] COLON_FORMS = {
        {":cri-containerd:", "containerd"}, {":crio:", "crio"}, {":docker:", "docker"}
    };

    private ContainerIds() {}

    /** Whether {@code s} is a full container id: 64 lowercase hex digits. */
    public static boolean isFullId(String s) {
        if (s == null || s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    /**
     * From the leaf name of a cgroup directory alone, as the kernel capture reports it. A bare
     * 64-hex leaf is taken as Docker (guessed): without the parent it could be a CRI container.
     */
    public static Optional<Ref> fromLeaf(String leaf) {
        if (leaf == null || leaf.isEmpty()) return Optional.empty();
        Runtime r = segmentRuntime(leaf);
        String id = segmentId(leaf);
        if (id == null) return Optional.empty();
        if (r == null) return Optional.of(new Ref(Runtime.DOCKER, id, null, true));
        return Optional.of(new Ref(r, id, null, false));
    }

    /** From a cgroup path relative to a hierarchy's root, e.g. {@code /docker/<id>} or a kubepods path. */
    public static Optional<Ref> fromPath(String path) {
        if (path == null || path.isEmpty()) return Optional.empty();
        String[] segs = path.split("/");
        for (int i = segs.length - 1; i >= 0; i--) {
            String seg = segs[i];
            String id = segmentId(seg);
            if (id == null) continue;
            String podUid = podUid(segs, i);
            int colon = seg.indexOf(':');
            if (podUid == null && colon > 0) podUid = podUid(new String[] {seg.substring(0, colon), ""}, 1);
            Runtime r = segmentRuntime(seg);
            if (r != null) return Optional.of(new Ref(r, id, podUid, false));
            // A bare id: the parent tells the runtime.
            String parent = i > 0 ? segs[i - 1] : "";
            if (podUid != null || parent.startsWith("kubepods")) {
                return Optional.of(new Ref(Runtime.CONTAINERD, id, podUid, true));
            }
            if (parent.equals("libpod_parent")) return Optional.of(new Ref(Runtime.PODMAN, id, null, false));
            return Optional.of(new Ref(Runtime.DOCKER, id, null, !parent.equals("docker")));
        }
        return Optional.empty();
    }

    /**
     * From the text of {@code /proc/PID/cgroup}. The cgroup v2 line ({@code 0::path}) is tried
     * first, then the v1 hierarchies in file order (on a v1-only host the v2 line is just "/").
     */
    public static Optional<Ref> fromProcCgroup(String content) {
        if (content == null) return Optional.empty();
        String[] lines = content.split("\n");
        for (String line : lines) {
            if (line.startsWith("0::")) {
                Optional<Ref> r = fromPath(line.substring(3).trim());
                if (r.isPresent()) return r;
            }
        }
        for (String line : lines) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0 || line.startsWith("0::")) continue;
            Optional<Ref> r = fromPath(line.substring(b + 1).trim());
            if (r.isPresent()) return r;
        }
        return Optional.empty();
    }

    /** The cgroup v2 path of a process ({@code 0::} line of /proc/PID/cgroup), or null. */
    public static String v2Path(String procCgroupContent) {
        if (procCgroupContent == null) return null;
        for (String line : procCgroupContent.split("\n")) {
            if (line.startsWith("0::")) return line.substring(3).trim();
        }
        return null;
    }

    /** Reads /proc/PID/cgroup: empty for the host, or a process that is gone. Blocking (procfs). */
    public static Optional<Ref> forPid(long pid) {
        return forPid(Path.of("/proc"), pid);
    }

    static Optional<Ref> forPid(Path procRoot, long pid) {
        try {
            return fromProcCgroup(Files.readString(procRoot.resolve(pid + "/cgroup")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Runtime segmentRuntime(String seg) {
        for (int k = 0; k < SCOPES.length; k++) {
            if (seg.startsWith(SCOPES[k][0]) && seg.endsWith(SCOPES[k][1])) return SCOPE_RUNTIMES[k];
        }
        if (seg.startsWith("libpod-")) return Runtime.PODMAN;
        if (seg.startsWith("crio-") && isFullId(seg.substring("crio-".length()))) return Runtime.CRIO;
        for (String[] form : COLON_FORMS) {
            if (seg.contains(form[0])) {
                return switch (form[1]) {
                    case "containerd" -> Runtime.CONTAINERD;
                    case "crio" -> Runtime.CRIO;
                    default -> Runtime.DOCKER;
                };
            }
        }
        return null;
    }

    /** The container id a path segment names, or null (monitor scopes such as crio-conmon-* included). */
    private static String segmentId(String seg) {
        if (isFullId(seg)) return seg;
        for (String[] scope : SCOPES) {
            if (seg.startsWith(scope[0]) && seg.endsWith(scope[1])) {
                String id = seg.substring(scope[0].length(), seg.length() - scope[1].length());
                return isFullId(id) ? id : null;
            }
        }
        if (seg.startsWith("libpod-")) {
            String id = seg.substring("libpod-".length());
            return isFullId(id) ? id : null;
        }
        if (seg.startsWith("crio-")) {
            String id = seg.substring("crio-".length());
            return isFullId(id) ? id : null;
        }
        for (String[] form : COLON_FORMS) {
            int at = seg.indexOf(form[0]);
            if (at >= 0) {
                String id = seg.substring(at + form[0].length());
                return isFullId(id) ? id : null;
            }
        }
        return null;
    }

    /**
     * The pod uid from the nearest {@code pod<uid>} ancestor segment: {@code pod<uid>} with the
     * cgroupfs driver, {@code kubepods-<qos>-pod<uid_with_underscores>.slice} with systemd's.
     */
    private static String podUid(String[] segs, int below) {
        for (int i = below - 1; i >= 0; i--) {
            String seg = segs[i];
            if (seg.endsWith(".slice")) seg = seg.substring(0, seg.length() - ".slice".length());
            int at = seg.lastIndexOf("pod");
            if (at < 0 || !(at == 0 || seg.charAt(at - 1) == '-')) continue;
            String uid = seg.substring(at + 3).replace('_', '-');
            if (looksLikeUid(uid)) return uid;
        }
        return null;
    }

    private static boolean looksLikeUid(String s) {
        if (s.length() < 8 || s.length() > 64) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
        }
        return true;
    }
}
