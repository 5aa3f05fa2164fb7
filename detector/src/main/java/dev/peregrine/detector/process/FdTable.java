package dev.peregrine.detector.process;

import dev.peregrine.detector.event.FdInfo;

/**
 * A process's open fds by number, shared by its threads, and the changes to it that are more than
 * adding or removing one fd: dup, close_range, exec closing the close-on-exec ones.
 *
 * <p>Owned by the event thread; not thread-safe.
 */
public final class FdTable {
    private final LongMap<FdInfo> fds;

    FdTable() {
        fds = new LongMap<>();
    }

    /** A copy: a forked child starts with its parent's fds. */
    FdTable(FdTable parent) {
        fds = new LongMap<>(parent.fds);
    }

    /** The fd, or null when the table does not know it. */
    public FdInfo get(long num) {
        return fds.get(num);
    }

    public void put(long num, FdInfo fd) {
        fds.put(num, fd);
    }

    /** @return the fd removed, or null when the table did not know it */
    public FdInfo remove(long num) {
        return fds.remove(num);
    }

    public int size() {
        return fds.size();
    }

    /**
     * The new fd of dup, dup2, dup3 or fcntl(F_DUPFD*): close-on-exec only if asked for, whatever
     * the old one's flag. Null when the call failed or the table does not know the old fd.
     */
    public FdInfo dup(long oldfd, long newfd, boolean cloexec) {
        if (newfd < 0) {
            return null;
        }
        FdInfo old = fds.get(oldfd);
        if (old == null || newfd == oldfd) {
            return old; // dup2 onto itself changes nothing, not even the flag
        }
        FdInfo copy = old.copy(newfd, cloexec);
        fds.put(newfd, copy);
        return copy;
    }

    /** close_range(first, last, flags): closes the fds in the range, or with CLOSE_RANGE_CLOEXEC marks them close-on-exec. */
    public void closeRange(long first, long last, boolean cloexec) {
        if (cloexec) {
            fds.replaceAll(fd -> fd.num >= first && fd.num <= last ? fd.copy(fd.num, true) : fd);
        } else {
            fds.removeIf(fd -> fd.num >= first && fd.num <= last);
        }
    }

    /** The kernel closed them before the exec's event (libsinsp keeps them: its tables do not know the flag). */
    void closeOnExec() {
        fds.removeIf(fd -> fd.cloexec);
    }
}
