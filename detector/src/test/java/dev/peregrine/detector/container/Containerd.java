package dev.peregrine.detector.container;

import static org.awaitility.Awaitility.await;

import dev.peregrine.detector.cri.v1.VersionResponse;
import dev.peregrine.testkit.BusyboxRootfs;
import dev.peregrine.testkit.Command;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A private containerd for tests: its own root, state and socket under a temp directory, started
 * as a child process of the test JVM and stopped by its PID in {@link #close()}. The system's
 * containerd (/run/containerd, maybe dockerd's) is never touched.
 *
 * <p>Its CRI plugin runs pods with the node's network (no CNI here) and its sandbox ("pause")
 * image is {@link #IMAGE}: there is no registry, so that image is an OCI archive made here from
 * Debian's static busybox (busybox-static) with {@code sleep 3600} as its command, imported with
 * {@code ctr images import} into the k8s.io namespace the CRI plugin uses.
 */
final class Containerd implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/containerd");
    static final Path CTR = Path.of("/usr/bin/ctr");
    static final String IMAGE = "localhost:5000/peregrine/busybox:1.0";

    final Path dir;
    final Path socket;
    final Path log;
    private final Process process;
    /** The image id (its config's digest, hex) of {@link #IMAGE} once imported. */
    volatile String configId;

    private Containerd(Path dir, Process process) {
        this.dir = dir;
        this.socket = dir.resolve("containerd.sock");
        this.log = dir.resolve("containerd.log");
        this.process = process;
    }

    /** Starts containerd, waits until its CRI answers Version, imports {@link #IMAGE}. */
    static Containerd start() throws IOException {
        return start(true);
    }

    /**
     * @param cri false: with the CRI plugin disabled (as dockerd's containerd runs), waiting only
     *            until containerd's own API answers; no image
     */
    static Containerd start(boolean cri) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "peregrine-containerd");
        Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("cni/bin"));
        Files.createDirectories(dir.resolve("cni/conf"));
        // Snapshotters, tracing and the like that do not load on every host: not needed here.
        // restrict_oom_score_adj: the sandbox's process asks for oom_score_adj -998, and lowering
        // it needs CAP_SYS_RESOURCE, which the capability bounding set lacks on some VMs (runc
        // then fails with "can't get final child's PID from pipe"); clamped to containerd's own.
        String config = """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", \
                "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"%3$s]
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%2$s"
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%1$s/cni/bin"
                    conf_dir = "%1$s/cni/conf"
                """.formatted(dir, IMAGE, cri ? "" : ", \"io.containerd.grpc.v1.cri\"");
        Files.writeString(dir.resolve("config.toml"), config);
        Process p = new ProcessBuilder(
                        BINARY.toString(),
                        "--config",
                        dir.resolve("config.toml").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("containerd.log").toFile())
                .start();
        Containerd c = new Containerd(dir, p);
        try {
            if (cri) {
                c.awaitCri();
                c.importImage();
            } else {
                c.awaitApi();
            }
        } catch (RuntimeException | IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Until the CRI plugin answers Version (or containerd died: then with its log). */
    private void awaitCri() {
        AtomicReference<VersionResponse> answer = new AtomicReference<>();
        try (CriEngine probe = new CriEngine(socket, ContainerIds.Runtime.CONTAINERD, Duration.ofSeconds(2))) {
            await("containerd's CRI on " + socket)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!process.isAlive())
                            throw new IllegalStateException(
                                    "containerd exited " + process.exitValue() + ":\n" + logTail());
                        if (!Files.exists(socket)) return false;
                        try {
                            answer.set(probe.version());
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        }
    }

    /** Until containerd's own API answers ({@code ctr version}). */
    private void awaitApi() {
        await("containerd's API on " + socket)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive())
                        throw new IllegalStateException("containerd exited " + process.exitValue() + ":\n" + logTail());
                    return Files.exists(socket)
                            && Command.run(
                                                    Duration.ofSeconds(10),
                                                    List.of(CTR.toString(), "--address", socket.toString(), "version"))
                                            .code()
                                    == 0;
                });
    }

    private void importImage() throws IOException {
        Path tar = dir.resolve("image.tar");
        writeBusyboxOciArchive(tar);
        Command.Result r = Command.run(
                Duration.ofMinutes(2),
                List.of(
                        CTR.toString(),
                        "--address",
                        socket.toString(),
                        "-n",
                        "k8s.io",
                        "images",
                        "import",
                        tar.toString()));
        if (r.code() != 0)
            throw new IllegalStateException("ctr images import exited " + r.code() + ": " + r.err() + r.out());
    }

    /**
     * An OCI image layout archive of one uncompressed layer (busybox and its applets, /etc/passwd),
     * named {@link #IMAGE} by the {@code io.containerd.image.name} annotation ctr reads.
     */
    void writeBusyboxOciArchive(Path tar) throws IOException {
        Path work = Files.createDirectories(dir.resolve("image"));
        Path root = work.resolve("rootfs");
        BusyboxRootfs.write(root);

        Path layout = Files.createDirectories(work.resolve("oci"));
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        Path layer = work.resolve("layer.tar");
        tar(List.of(
                "tar",
                "--sort=name",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "-C",
                root.toString(),
                "-cf",
                layer.toString(),
                "."));
        byte[] layerBytes = Files.readAllBytes(layer);
        String layerDigest = blob(blobs, layerBytes);
        String configJson = """
                {"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sleep","3600"],"Env":["PATH=/bin"]},\
                "rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}""".formatted(layerDigest);
        byte[] config = configJson.getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(blobs, config);
        String manifestJson = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}""".formatted(configDigest, config.length, layerDigest, layerBytes.length);
        byte[] manifest = manifestJson.getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(blobs, manifest);
        Files.writeString(layout.resolve("index.json"), """
                {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s",\
                "org.opencontainers.image.ref.name":"%s"}}]}""".formatted(
                manifestDigest, manifest.length, IMAGE, ImageNames.split(IMAGE).tag()));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        tar(List.of("tar", "-C", layout.toString(), "-cf", tar.toString(), "oci-layout", "index.json", "blobs"));
        configId = configDigest;
    }

    private static void tar(List<String> cmd) {
        Command.Result t = Command.run(Duration.ofMinutes(1), cmd);
        if (t.code() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + t.err());
    }

    private static String blob(Path blobs, byte[] content) throws IOException {
        try {
            String hex = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            try (OutputStream out = Files.newOutputStream(blobs.resolve(hex))) {
                out.write(content);
            }
            return hex;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Stops containerd (SIGTERM, then SIGKILL after 30 s) by its PID. The caller removes its pods
     * first: containers outlive containerd in their shims. The directory is removed when nothing
     * is mounted under it any more.
     */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            if (!mounts.contains(dir.toString())) {
                Command.run(Duration.ofMinutes(1), List.of("rm", "-rf", dir.toString()));
            }
        } catch (IOException ignored) {
            // leave the directory
        }
    }
}
