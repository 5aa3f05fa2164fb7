package dev.peregrine.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real PostgreSQL server of a test's own (Debian's {@code postgresql}): a fresh cluster in a
 * directory, listening on 127.0.0.1 on a free port, trusting local connections, stopped on
 * {@link #close}. PostgreSQL refuses to run as root, so as root it runs as the {@code postgres}
 * system user (the directory is handed to it).
 */
public final class PostgresServer implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    public static final String USER = "peregrine";

    private final Path bin;
    private final Path data;
    private final int port;
    private final boolean asPostgres;
    private boolean running;

    private PostgresServer(Path bin, Path data, int port, boolean asPostgres) {
        this.bin = bin;
        this.data = data;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** Creates a cluster under {@code dir} (which must exist and be empty) and starts it. */
    public static PostgresServer start(Path dir) {
        Path bin = PostgresqlInstall.binDir()
                .orElseThrow(
                        () -> new IllegalStateException("PostgreSQL is not installed (Debian package postgresql)"));
        boolean root = Host.current().euid() == 0;
        PostgresServer s = new PostgresServer(bin, dir.resolve("data"), freePort(), root);
        try {
            if (root) {
                check(Command.run(TIMEOUT, List.of("chown", "-R", "postgres:postgres", dir.toString())), "chown");
                check(Command.run(TIMEOUT, List.of("chmod", "755", dir.toString())), "chmod");
            }
            s.pg("initdb", "-D", s.data.toString(), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync");
            s.pg(
                    "pg_ctl",
                    "-D",
                    s.data.toString(),
                    "-l",
                    dir.resolve("server.log").toString(),
                    "-o",
                    "-p " + s.port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                    "-w",
                    "-t",
                    "60",
                    "start");
            s.running = true;
            return s;
        } catch (RuntimeException e) {
            String log = "";
            try {
                log = Files.readString(dir.resolve("server.log"));
            } catch (IOException ignored) {
                // no log yet
            }
            throw new IllegalStateException(e.getMessage() + "\n" + log, e);
        }
    }

    /** The JDBC URL of database {@code postgres} as {@link #USER} (no password). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public int port() {
        return port;
    }

    private void pg(String program, String... args) {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.add(bin.resolve(program).toString());
        cmd.addAll(List.of(args));
        check(Command.run(TIMEOUT, cmd), program);
    }

    private static void check(Command.Result r, String what) {
        if (r.code() != 0) {
            throw new IllegalStateException(what + " failed (" + r.code() + "): " + r.out() + r.err());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (fast shutdown: open connections are closed). */
    @Override
    public void close() {
        if (running) {
            running = false;
            pg("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop");
        }
    }
}
