package dev.peregrine.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * The tiny root filesystem the container tests' images are made of (there is no registry here):
 * Debian's static busybox with a few applets, and a passwd/group that know root and nobody.
 * {@link #write(Path, Path...)} adds dynamically linked programs of the host with their libraries.
 */
public final class BusyboxRootfs {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private BusyboxRootfs() {}

    /**
     * Writes the tree under {@code root} (created if absent), with the host's {@code programs}
     * (e.g. /usr/sbin/debugfs) at their own paths and the shared libraries {@code ldd} names for
     * them, so that they run in the container as on the host.
     */
    public static void write(Path root, Path... programs) throws IOException {
        write(root);
        for (Path program : programs) {
            copy(program, root);
            Command.Result ldd = Command.run(Duration.ofSeconds(30), List.of("ldd", program.toString()));
            if (ldd.code() != 0) throw new IllegalStateException("ldd " + program + " failed: " + ldd.err());
            for (String line : ldd.out().split("\n")) {
                // "libext2fs.so.2 => /lib/x86_64-linux-gnu/libext2fs.so.2 (0x...)", "/lib64/ld-linux-x86-64.so.2
                // (0x...)"
                String[] words = line.trim().split("\\s+");
                for (String w : words) {
                    if (w.startsWith("/")) {
                        copy(Path.of(w), root);
                        break;
                    }
                }
            }
        }
    }

    /** Copies a host file (its target, if a symlink) to the same path under root. */
    private static void copy(Path file, Path root) throws IOException {
        Path to = root.resolve(file.toString().substring(1));
        if (Files.exists(to)) return;
        Files.createDirectories(to.getParent());
        Files.copy(file.toRealPath(), to);
    }

    /** Writes the tree under {@code root} (created if absent). */
    public static void write(Path root) throws IOException {
        if (!Files.isRegularFile(BUSYBOX)) {
            throw new IllegalStateException("/bin/busybox missing: install busybox-static (scripts/setup-host.sh)");
        }
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("tmp"));
        Files.copy(BUSYBOX, root.resolve("bin/busybox"));
        Files.setPosixFilePermissions(root.resolve("bin/busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
        // Called by path, each applet runs under its own name (busybox's shell runs the ones it
        // finds no file for as /proc/self/exe).
        for (String applet : List.of("sh", "sleep", "cat", "ls", "id", "cp", "mount", "true")) {
            Files.createSymbolicLink(root.resolve("bin/" + applet), Path.of("busybox"));
        }
        Files.writeString(
                root.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    }
}
