package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.Abi.AT_FDCWD;

import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.process.Paths;
import dev.peregrine.detector.process.Proc;

/** A path argument made absolute as the kernel resolved it: against the process's cwd or a dirfd. */
final class PathResolution {
    private PathResolution() {}

    /**
     * The path, normalised; a relative one joined to the cwd ({@code dirfd} AT_FDCWD) or to the
     * directory the dirfd names. Left relative when the process or the directory is unknown.
     */
    static String resolve(Proc p, long dirfd, String path) {
        if (path.startsWith("/")) {
            return Paths.normalize(path);
        }
        String base = null;
        if (p != null) {
            if ((int) dirfd == (int) AT_FDCWD) {
                base = p.cwd();
            } else {
                FdInfo dir = p.fds().get((long) (int) dirfd);
                base = dir == null ? null : dir.name;
            }
        }
        return base == null ? path : Paths.join(base, path);
    }
}
