package dev.peregrine.detector.container;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cgroup v2 hierarchy as the container table finds cgroups in it: a cgroup id is the inode
 * of the cgroup's directory, so a cgroup's path is found by asking the process's
 * /proc/PID/cgroup, else by walking the hierarchy. A walk's result is kept and shared by the
 * lookups that it is fresh enough for. Blocking: called on the table's virtual threads and at
 * startup, never on the event path.
 */
final class CgroupHierarchy {
    /** A walk's result: cgroup id to path ("/docker/<id>"), and when the walk started. */
    record Index(Map<Long, String> paths, long builtNanos) {}

    /** The mount, null when the host has none (then every cgroup id is the host's). */
    private final Path root;

    private final Path procRoot;
    private final long rootId;
    private final Object scanLock = new Object();
    private volatile Index index = new Index(Map.of(), Long.MIN_VALUE);
    private final LongAdder scans = new LongAdder();

    CgroupHierarchy(Path root, Path procRoot) {
        this.root = root;
        this.procRoot = procRoot;
        this.rootId = rootId(root);
    }

    /** The cgroup id of the hierarchy's root. */
    long rootId() {
        return rootId;
    }

    /** Walks so far. */
    long scans() {
        return scans.sum();
    }

    /** The process's cgroup v2 path, if the process is still in the cgroup with that id. */
    String pathFromProc(long pid, long cgroupId) {
        try {
            String path = ContainerIds.v2Path(Files.readString(procRoot.resolve(pid + "/cgroup")));
            if (path == null || !path.startsWith("/")) return null;
            Path dir = root.resolve(path.substring(1));
            return cgroupId == (Long) Files.getAttribute(dir, "unix:ino", LinkOption.NOFOLLOW_LINKS) ? path : null;
        } catch (IOException | RuntimeException e) {
            return null; // gone, or moved: walk the hierarchy
        }
    }

    /** The cgroup's path from a walk that started after {@code neededAfterNanos} (walking again if the last did not). */
    String pathOf(long cgroupId, long neededAfterNanos) {
        Index idx = index;
        if (idx.builtNanos() <= neededAfterNanos) {
            synchronized (scanLock) {
                idx = index;
                if (idx.builtNanos() <= neededAfterNanos) idx = scan();
            }
        }
        return idx.paths().get(cgroupId);
    }

    /** Walks the hierarchy: inode of every cgroup directory to its path ("/docker/<id>"). */
    Index scan() {
        synchronized (scanLock) {
            long started = System.nanoTime();
            Map<Long, String> paths = new HashMap<>();
            if (root != null) {
                try {
                    Files.walkFileTree(root, Set.of(), 64, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            try {
                                long ino = (Long) Files.getAttribute(dir, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                                String rel = root.relativize(dir).toString();
                                paths.put(ino, "/" + rel);
                            } catch (IOException | RuntimeException ignored) {
                                // removed while walking
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException exc) {
                            return FileVisitResult.CONTINUE; // a cgroup removed while walking
                        }
                    });
                } catch (IOException ignored) {
                    // keep what was walked
                }
            }
            scans.increment();
            Index idx = new Index(Map.copyOf(paths), started);
            index = idx;
            return idx;
        }
    }

    private static long rootId(Path root) {
        if (root != null) {
            try {
                return (Long) Files.getAttribute(root, "unix:ino");
            } catch (IOException | RuntimeException ignored) {
                // fall through
            }
        }
        return 1; // the kernfs id of a cgroup v2 root
    }
}
