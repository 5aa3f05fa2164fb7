package dev.peregrine.detector.syscall;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.UserInfo;
import dev.peregrine.detector.process.Users;

/**
 * The user of the event in hand: its {@link UserInfo} (names from the user database of the
 * process's root: the host's, or its container's), and uid and gid arguments shown as names
 * ({@link #userName}, {@link #groupName}), made only when read.
 *
 * <p>Owned by the event thread; not thread-safe.
 */
final class EventUsers {
    private final Users users;
    private final ContainerLookup containers;
    /** The previous event's user: consecutive events are nearly always of the same user. */
    private UserInfo lastUser;

    private String lastUserRoot;
    private int lastUserForgets;
    /** The root (container id or "host") and pid of the event in hand, for the two formatters. */
    private String currentRoot = "host";

    private long currentPid;

    // Falco shows a uid or gid argument as the name the process's root knows it by.
    final Event.Formatter userName = this::userName;
    final Event.Formatter groupName = this::groupName;

    EventUsers(Users users, ContainerLookup containers) {
        this.users = users;
        this.containers = containers;
        // A container's user database is read once and kept while the container is known: it
        // goes with the container, or every container that ever ran would stay cached.
        containers.onForget(c -> users.forget(c.id));
    }

    /** The event in hand is of process {@code pid} in {@code root} ("host" or the container's id). */
    void current(String root, long pid) {
        // Written only when changed, like the live event's fields (see Event): this lives long.
        if (currentRoot != root) currentRoot = root;
        currentPid = pid;
    }

    /** The user of the record's thread (its uid, gid and loginuid) as its root names them. */
    UserInfo of(String root, RawEvent e) {
        long uid = Integer.toUnsignedLong(e.uid);
        long gid = Integer.toUnsignedLong(e.gid);
        long loginuid = e.loginuid == -1 ? -1 : Integer.toUnsignedLong(e.loginuid);
        UserInfo last = lastUser;
        if (last != null
                && last.uid() == uid
                && last.gid() == gid
                && last.loginuid() == loginuid
                && root.equals(lastUserRoot)
                && users.forgets() == lastUserForgets) {
            return last;
        }
        int forgets = users.forgets();
        long[] pids = candidatePids(root, e);
        Users.Account account = users.user(root, uid, pids);
        Users.Account login = loginuid < 0 ? null : users.user(root, loginuid, pids);
        UserInfo u = new UserInfo(
                uid,
                account == null ? null : account.name(),
                loginuid,
                login == null ? null : login.name(),
                account == null ? null : account.homedir(),
                account == null ? null : account.shell(),
                gid,
                users.group(root, gid, pids));
        // Only names from a database that is read can be reused: an unreadable one is tried again next event.
        if (users.known(root)) {
            lastUser = u;
            lastUserRoot = root;
            lastUserForgets = forgets;
        } else {
            lastUser = null;
        }
        return u;
    }

    private String userName(long uid) {
        Users.Account account = users.user(currentRoot, uid, currentPid);
        return account == null ? Long.toString(uid) : account.name();
    }

    private String groupName(long gid) {
        String name = users.group(currentRoot, gid, currentPid);
        return name == null ? Long.toString(gid) : name;
    }

    /**
     * Processes whose root is the container's: the event's own first, then live ones of its
     * cgroup, since a short-lived process has often exited before its event is read. Only asked
     * for while the container's user database is not cached yet.
     */
    private long[] candidatePids(String container, RawEvent e) {
        if ("host".equals(container) || users.known(container)) {
            return new long[] {e.pid};
        }
        long[] others = containers.pids(e.cgroupId);
        long[] all = new long[others.length + 1];
        all[0] = e.pid;
        System.arraycopy(others, 0, all, 1, others.length);
        return all;
    }
}
