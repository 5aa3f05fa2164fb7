package dev.peregrine.sidekick.store;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Lowers the calling thread's CPU priority (Linux's idle scheduling class, or its nice value): the
 * store's writer then runs on what intake leaves idle and cannot take CPU from intake when intake
 * is busy (Java's own thread priorities do nothing on Linux). Linux lets any thread do both to
 * itself without privileges; elsewhere, or if libc refuses, the thread stays as it was.
 */
final class ThreadNice {
    private static final int PRIO_PROCESS = 0; // with a thread id: that thread alone (Linux)
    /** Linux's idle scheduling class (sched.h). */
    static final int SCHED_IDLE = 5;

    private ThreadNice() {}

    /** Sets the current thread's nice value; false when it could not. */
    static boolean set(int nice) {
        MethodHandle setpriority = libc(
                "setpriority",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try {
            return setpriority != null && (int) setpriority.invokeExact(PRIO_PROCESS, tid(), nice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Puts the current thread in Linux's idle scheduling class ({@code SCHED_IDLE}): it runs only on
     * a CPU nothing else wants, and a waking thread of the normal class takes the CPU from it at
     * once. A thread at nice 19 keeps the CPU for the rest of its slice (about 1.5 ms on two
     * cores) before a waking intake thread gets it, which flat out cost intake a fifth of its
     * throughput (docs/benchmarks.md). Any thread may enter the class without privileges. False
     * when it could not.
     */
    static boolean idle() {
        MethodHandle setscheduler = libc(
                "sched_setscheduler",
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        if (setscheduler == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT); // struct sched_param: priority 0
            return (int) setscheduler.invokeExact(tid(), SCHED_IDLE, param) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** A function of Linux's libc, or null elsewhere or when it is missing. */
    private static MethodHandle libc(String name, FunctionDescriptor signature) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup()
                    .find(name)
                    .map(f -> linker.downcallHandle(f, signature))
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The calling thread's Linux thread id. */
    private static int tid() throws Throwable {
        MethodHandle gettid = libc("gettid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        if (gettid == null) {
            throw new IllegalStateException("no gettid");
        }
        return (int) gettid.invokeExact();
    }

    /** The current thread's scheduling policy as Linux reports it (field 41 of its stat), for tests. */
    static int policy() throws java.io.IOException {
        return statField(41);
    }

    /** The current thread's nice value as Linux reports it (field 19 of its stat), for tests. */
    static int current() throws java.io.IOException {
        return statField(19);
    }

    /** Field {@code n} (from 1, as proc(5) counts) of the current thread's stat. */
    private static int statField(int n) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // from field 3 on
        return Integer.parseInt(fields[n - 3]);
    }
}
