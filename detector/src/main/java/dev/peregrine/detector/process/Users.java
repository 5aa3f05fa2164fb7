package dev.peregrine.detector.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * User and group names as a process sees them: from /etc/passwd and /etc/group of its own root
 * filesystem (a container has its own), read through /proc/PID/root and cached per root.
 */
public final class Users {
    public record Account(String name, String homedir, String shell) {}

    private record Db(Map<Long, Account> users, Map<Long, String> groups) {}

    private final Map<String, Db> byRoot = new ConcurrentHashMap<>();
    private final Path procRoot;
    /** Bumped by {@link #forget}, so that names remembered from a forgotten database are not reused. */
    private final AtomicInteger forgets = new AtomicInteger();

    public Users() {
        this(Path.of("/proc"));
    }

    /** @param procRoot where /proc is (another path in tests) */
    public Users(Path procRoot) {
        this.procRoot = procRoot;
    }

    /**
     * @param rootKey what identifies the filesystem root ("host" or a container id)
     * @param pids processes with that root, tried in order to read its files through /proc (a
     *     short-lived one may be gone already)
     */
    public Account user(String rootKey, long uid, long... pids) {
        Db db = db(rootKey, pids);
        return db == null ? null : db.users.get(uid);
    }

    public String group(String rootKey, long gid, long... pids) {
        Db db = db(rootKey, pids);
        return db == null ? null : db.groups.get(gid);
    }

    /** Whether that root's user database is read already. */
    public boolean known(String rootKey) {
        return byRoot.containsKey(rootKey);
    }

    /** Forget a root whose container is gone. */
    public void forget(String rootKey) {
        byRoot.remove(rootKey);
        forgets.incrementAndGet();
    }

    /** How many times a root was forgotten: names looked up before a change of this count may be stale. */
    public int forgets() {
        return forgets.get();
    }

    private Db db(String rootKey, long... pids) {
        Db db = byRoot.get(rootKey);
        if (db != null) {
            return db;
        }
        if ("host".equals(rootKey)) {
            return byRoot.computeIfAbsent(rootKey, k -> read(Path.of("/")));
        }
        for (long pid : pids) {
            db = read(procRoot.resolve(pid + "/root"));
            // An unreadable root (process already gone) is not cached: the next event may read it.
            if (!db.users.isEmpty()) {
                byRoot.put(rootKey, db);
                return db;
            }
        }
        return null;
    }

    private static Db read(Path root) {
        return new Db(passwd(root.resolve("etc/passwd")), groups(root.resolve("etc/group")));
    }

    private static Map<Long, Account> passwd(Path file) {
        Map<Long, Account> users = new HashMap<>();
        for (String[] f : lines(file)) {
            if (f.length >= 7) {
                parseId(f[2]).ifPresent(uid -> users.putIfAbsent(uid, new Account(f[0], f[5], f[6])));
            }
        }
        return users;
    }

    private static Map<Long, String> groups(Path file) {
        Map<Long, String> groups = new HashMap<>();
        for (String[] f : lines(file)) {
            if (f.length >= 3) {
                parseId(f[2]).ifPresent(gid -> groups.putIfAbsent(gid, f[0]));
            }
        }
        return groups;
    }

    private static List<String[]> lines(Path file) {
        try {
            return Files.readAllLines(file).stream()
                    .filter(l -> !l.startsWith("#"))
                    .map(l -> l.split(":", -1))
                    .toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static Optional<Long> parseId(String s) {
        try {
            return Optional.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
