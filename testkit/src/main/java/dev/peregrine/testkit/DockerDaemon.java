package dev.peregrine.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real Docker daemon for tests. {@link Extension} hands one to test methods and lifecycle
 * methods that take a {@code DockerDaemon} parameter: if nothing answers on /var/run/docker.sock
 * it runs scripts/start-dockerd.sh, which starts dockerd in the background; that daemon is
 * stopped by its PID once all tests have run, and only a daemon started here is. When no daemon
 * can be had the test fails with the script's reason (CI installs docker.io and runs as root).
 *
 * <p>Images come from {@code docker import} of a tiny rootfs (the static busybox of Debian's
 * busybox-static, plus /etc/passwd): there is no registry here.
 */
public final class DockerDaemon implements AutoCloseable {
    /** Runtime registered by start-dockerd.sh for privileged containers (see runc-without-sys-resource.sh). */
    public static final String PRIVILEGED_RUNTIME = "peregrine-runc";
    /** Label on every container made here; its value is the test JVM's pid. */
    static final String LABEL = "peregrine.test";

    private final Path cli;
    private final long startedPid; // -1 when the daemon was already running
    private final Path log;
    private final List<String> created = new ArrayList<>();

    private DockerDaemon(Path cli, long startedPid, Path log) {
        this.cli = cli;
        this.startedPid = startedPid;
        this.log = log;
    }

    /** Hands out the one DockerDaemon of the test run; closed (and dockerd stopped if started here) at its end. */
    public static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == DockerDaemon.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            ExtensionContext.Store store = c.getRoot().getStore(ExtensionContext.Namespace.create(DockerDaemon.class));
            return store.computeIfAbsent("daemon", k -> DockerDaemon.start(), DockerDaemon.class);
        }
    }

    static DockerDaemon start() {
        Path script = findScript("scripts/start-dockerd.sh");
        Command.Result r = Command.run(Duration.ofMinutes(2), List.of("bash", script.toString()));
        if (r.code() != 0) {
            throw new IllegalStateException(
                    "no Docker daemon (" + script + " exited " + r.code() + "):\n" + r.out() + r.err());
        }
        String line = r.out().strip();
        String[] words = line.split(" ");
        long pid = -1;
        Path log = null;
        if (words[0].equals("started") && words.length >= 3) {
            pid = Long.parseLong(words[1]);
            log = Path.of(words[2]);
        } else if (!line.equals("running")) {
            throw new IllegalStateException("unexpected output of " + script + ": " + line);
        }
        // Debian's CLI matches the daemon; another docker earlier in PATH may not.
        Path cli = Files.isExecutable(Path.of("/usr/bin/docker")) ? Path.of("/usr/bin/docker") : Path.of("docker");
        DockerDaemon d = new DockerDaemon(cli, pid, log);
        d.removeLeftovers();
        return d;
    }

    /** Containers of earlier test runs whose JVM died before removing them. */
    private void removeLeftovers() {
        Command.Result r =
                tryDocker("ps", "-a", "--filter", "label=" + LABEL, "--format", "{{.ID}} {{.Label \"" + LABEL + "\"}}");
        for (String line : r.out().strip().split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2
                    && !f[1].isEmpty()
                    && f[1].chars().allMatch(Character::isDigit)
                    && ProcessHandle.of(Long.parseLong(f[1])).isEmpty()) {
                tryDocker("rm", "-f", f[0]);
            }
        }
    }

    public boolean startedHere() {
        return startedPid > 0;
    }

    /** Runs the docker CLI; fails the test on a non-zero exit. Returns stdout, trimmed. */
    public String docker(String... args) {
        Command.Result r = tryDocker(args);
        if (r.code() != 0)
            throw new IllegalStateException("docker " + String.join(" ", args) + " exited " + r.code() + ": "
                    + r.err().strip() + logHint());
        return r.out().strip();
    }

    public Command.Result tryDocker(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(cli.toString());
        cmd.addAll(List.of(args));
        return Command.run(Duration.ofMinutes(2), cmd);
    }

    /**
     * The image {@code name} (e.g. {@code localhost:5000/peregrine/busybox:1.0}), imported from a
     * busybox rootfs unless the daemon already has it.
     */
    public void ensureBusyboxImage(String name) throws IOException {
        ensureImage(name);
    }

    /**
     * The image {@code name}, imported from a busybox rootfs plus the host's {@code programs} and
     * their libraries ({@link BusyboxRootfs#write(Path, Path...)}) unless the daemon already has it.
     */
    public void ensureImage(String name, Path... programs) throws IOException {
        if (tryDocker("image", "inspect", "--format", "{{.Id}}", name).code() == 0) return;
        Path dir = Files.createTempDirectory("peregrine-rootfs");
        try {
            Path root = dir.resolve("rootfs");
            BusyboxRootfs.write(root, programs);
            Path tar = dir.resolve("rootfs.tar");
            Command.Result t = Command.run(
                    Duration.ofMinutes(1), List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."));
            if (t.code() != 0) throw new IllegalStateException("tar failed: " + t.err());
            docker("import", "--message", "peregrine test image", tar.toString(), name);
        } finally {
            Command.run(Duration.ofMinutes(1), List.of("rm", "-rf", dir.toString()));
        }
    }

    /**
     * {@code docker run -d --network none <args>}; the container is removed by {@link #close()}.
     * A {@code --privileged} run that fails for want of CAP_SYS_RESOURCE is retried with the
     * {@link #PRIVILEGED_RUNTIME}. Returns the full container id.
     */
    public String runDetached(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                "run",
                "-d",
                "--network",
                "none",
                "--label",
                LABEL + "=" + ProcessHandle.current().pid()));
        cmd.addAll(List.of(args));
        Command.Result r = tryDocker(cmd.toArray(String[]::new));
        if (r.code() != 0 && cmd.contains("--privileged") && r.err().contains("unable to apply caps")) {
            String id = danglingId(r.out());
            if (id != null) tryDocker("rm", "-f", id);
            String runtimes = docker("info", "--format", "{{json .Runtimes}}");
            if (!runtimes.contains(PRIVILEGED_RUNTIME)) {
                throw new IllegalStateException(
                        "docker run --privileged fails here (\"unable to apply caps\": the capability bounding set lacks"
                                + " CAP_SYS_RESOURCE) and the running dockerd has no " + PRIVILEGED_RUNTIME
                                + " runtime: stop it and let scripts/start-dockerd.sh start one");
            }
            cmd.add(cmd.indexOf("--privileged") + 1, "--runtime=" + PRIVILEGED_RUNTIME);
            r = tryDocker(cmd.toArray(String[]::new));
        }
        if (r.code() != 0) {
            String id = danglingId(r.out());
            if (id != null) tryDocker("rm", "-f", id);
            throw new IllegalStateException("docker " + String.join(" ", cmd) + " exited " + r.code() + ": "
                    + r.err().strip() + logHint());
        }
        String id = r.out().strip();
        synchronized (created) {
            created.add(id);
        }
        return id;
    }

    public void remove(String containerId) {
        tryDocker("rm", "-f", containerId);
        synchronized (created) {
            created.remove(containerId);
        }
    }

    private static String danglingId(String out) {
        String s = out.strip();
        return s.matches("[0-9a-f]{64}") ? s : null;
    }

    private String logHint() {
        return log == null ? "" : " (dockerd log: " + log + ")";
    }

    /** Removes the containers created here, then stops dockerd if it was started here. */
    @Override
    public void close() {
        List<String> ids;
        synchronized (created) {
            ids = new ArrayList<>(created);
            created.clear();
        }
        if (!ids.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("rm", "-f"));
            cmd.addAll(ids);
            tryDocker(cmd.toArray(String[]::new));
        }
        if (startedPid > 0) {
            ProcessHandle.of(startedPid).ifPresent(p -> {
                p.destroy(); // SIGTERM: dockerd stops its containerd and containers
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            });
        }
    }

    /** A file of the repository, from the module directory Surefire runs in or the repository root. */
    public static Path findScript(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(relative);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalStateException(
                relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
