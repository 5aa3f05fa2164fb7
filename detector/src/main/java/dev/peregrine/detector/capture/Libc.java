package dev.peregrine.detector.capture;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The few C library calls the ring buffer reader needs: mapping it and waiting for it. */
final class Libc {
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final MemorySegment MAP_FAILED = MemorySegment.ofAddress(-1L);
    static final short POLLIN = 1;
    private static final int SC_PAGESIZE = 30;

    private static final Linker LINKER = Linker.nativeLinker();

    /** void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) */
    static final MethodHandle MMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("mmap"),
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    /** int munmap(void *addr, size_t length) */
    static final MethodHandle MUNMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("munmap"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    /** int poll(struct pollfd *fds, nfds_t nfds, int timeout) */
    static final MethodHandle POLL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("poll"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    /** long sysconf(int name) */
    private static final MethodHandle SYSCONF = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("sysconf"), FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    private Libc() {}

    static long pageSize() {
        try {
            return (long) SYSCONF.invokeExact(SC_PAGESIZE);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
