package dev.peregrine.sidekick.store;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
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

    /** The current thread's nice value as Linux reports it (field 19 of its stat), for tests. */
    static int current() throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]);
    }
}
