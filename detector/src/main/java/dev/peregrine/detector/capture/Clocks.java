package dev.peregrine.detector.capture;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Converts the kernel's boot-time stamps to wall-clock nanoseconds. The offset is taken once
 * from clock_gettime (CLOCK_BOOTTIME and CLOCK_REALTIME back to back), which Java has no API for.
 */
final class Clocks {
    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_BOOTTIME = 7;
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker()
            .downcallHandle(
                    Linker.nativeLinker().defaultLookup().findOrThrow("clock_gettime"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private Clocks() {}

    static long now(int clock) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16);
            int rc = (int) CLOCK_GETTIME.invokeExact(clock, ts);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(" + clock + ") failed");
            }
            return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    /**
     * Add to a CLOCK_BOOTTIME stamp to get nanoseconds since the epoch. A realtime read between two
     * boottime reads is placed at their midpoint, which is off by up to half the time between them;
     * a preemption, or the first calls' linking, can stretch that to milliseconds, so the narrowest
     * of a few tries is kept.
     */
    static long bootToEpochOffset() {
        long offset = 0;
        long narrowest = Long.MAX_VALUE;
        for (int i = 0; i < 16; i++) {
            long boot = now(CLOCK_BOOTTIME);
            long real = now(CLOCK_REALTIME);
            long window = now(CLOCK_BOOTTIME) - boot;
            if (window < narrowest) {
                narrowest = window;
                offset = real - (boot + window / 2);
            }
        }
        return offset;
    }
}
