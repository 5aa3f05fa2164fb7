package dev.peregrine.sidekick.store;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Lowers the calling thread's CPU priority (its Linux nice value): the store's writer then runs on
 * what intake leaves idle and cannot take CPU from intake when intake is busy (Java's own thread
 * priorities do nothing on Linux). Linux lets any thread raise its own nice value without
 * privileges; elsewhere, or if libc refuses, the thread stays as it was.
 */
final class ThreadNice {
    private static final int PRIO_PROCESS = 0; // with a thread id: that thread alone (Linux)
    /** Linux's idle scheduling class (sched.h). */
    static final int SCHED_IDLE = 5;

    private ThreadNice() {}

    /** Sets the current thread's nice value; false when it could not. */
    static boolean set(int nice) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            MethodHandle gettid = linker.downcallHandle(
                    libc.find("gettid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle setpriority = linker.downcallHandle(
                    libc.find("setpriority").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            int tid = (int) gettid.invokeExact();
            return (int) setpriority.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Puts the current thread in Linux's idle scheduling class ({@code SCHED_IDLE}): it runs only on
     * a CPU nothing else wants, and a waking thread of the normal class takes the CPU from it at
     * once. A thread at nice 19 keeps the CPU for the rest of its slice (about 1.5 ms on two
     * cores) before a waking intake thread gets it, which flat out cost intake a quarter of its
     * throughput (docs/benchmarks.md). Any thread may enter the class without privileges. False
     * when it could not.
     */
    static boolean idle() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            MethodHandle gettid = linker.downcallHandle(
                    libc.find("gettid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle setscheduler = linker.downcallHandle(
                    libc.find("sched_setscheduler").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT); // struct sched_param: priority 0
            int tid = (int) gettid.invokeExact();
            return (int) setscheduler.invokeExact(tid, SCHED_IDLE, param) == 0;
        } catch (Throwable e) {
            return false;
        }
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
