package dev.peregrine.detector.capture;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The eBPF capture: loads bpf/capture.bpf.o (built into the jar) through libbpf, tells the kernel
 * side which syscalls to send up, attaches the programs and delivers decoded events from the ring
 * buffer to a consumer on the calling thread ({@link #pollInPlace}).
 *
 * <p>Not thread-safe: one thread opens, polls and closes it.
 */
public final class Capture implements AutoCloseable {
    /** Index in the `interesting` map that enables the process events (fork, exec, exit). */
    private static final int PROC_EVENTS_KEY = 508;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment object;
    private final List<MemorySegment> links = new ArrayList<>();
    /** Optional programs that could not attach, with what is lost without each. */
    private final Map<String, String> missing = new TreeMap<>();

    private final RingReader ring;
    private final RingReader.Handler onRecord = this::onRecord;
    private final int interestingFd;
    private final int dropsFd;
    private final int cpus;
    private final AtomicLong malformed = new AtomicLong();
    private final long bootToEpoch = Clocks.bootToEpochOffset();
    private Consumer<RawEvent> consumer = e -> {};
    private final RawEvent reused = RawEvent.reusable();

    private Capture(MemorySegment object) throws CaptureException {
        this.object = object;
        try {
            int rc = (int) Libbpf.OBJECT_LOAD.invokeExact(object);
            if (rc != 0) {
                throw new CaptureException(
                        "loading the BPF programs failed (" + errnoName(-rc)
                                + "); libbpf's messages above say which check failed",
                        null);
            }
            interestingFd = mapFd("interesting");
            dropsFd = mapFd("drops");
            cpus = (int) Libbpf.NUM_POSSIBLE_CPUS.invokeExact();
            int eventsFd = mapFd("events");
            MemorySegment events = (MemorySegment) Libbpf.FIND_MAP.invokeExact(object, arena.allocateFrom("events"));
            long size = Integer.toUnsignedLong((int) Libbpf.MAP_MAX_ENTRIES.invokeExact(events));
            ring = RingReader.map(eventsFd, size);
        } catch (CaptureException e) {
            closeQuietly();
            throw e;
        } catch (Throwable t) {
            closeQuietly();
            throw new CaptureException("loading the BPF programs failed: " + t, t);
        }
    }

    /**
     * Opens and loads the capture programs; nothing is attached yet.
     *
     * @throws CaptureException with what is missing (see {@link Prerequisites} for advice)
     */
    public static Capture open() throws CaptureException {
        byte[] bytes;
        try (InputStream in = Capture.class.getResourceAsStream("/bpf/capture.bpf.o")) {
            if (in == null) {
                throw new CaptureException(
                        "bpf/capture.bpf.o is not in the jar: build it with ./mvnw package (needs clang and bpftool)",
                        null);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new CaptureException("reading bpf/capture.bpf.o: " + e.getMessage(), e);
        }
        // libbpf keeps no reference to the buffer after open, but it lives with the global arena anyway.
        MemorySegment buffer = Arena.global().allocate(bytes.length);
        buffer.copyFrom(MemorySegment.ofArray(bytes));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a);
            MemorySegment obj = (MemorySegment)
                    Libbpf.OBJECT_OPEN_MEM.invokeExact(state, buffer, (long) bytes.length, MemorySegment.NULL);
            if (obj.equals(MemorySegment.NULL)) {
                throw new CaptureException(
                        "opening the BPF object failed (" + errnoName(Libbpf.errno(state)) + ")", null);
            }
            return new Capture(obj);
        } catch (CaptureException e) {
            throw e;
        } catch (Throwable t) {
            throw new CaptureException("opening the BPF object failed: " + t, t);
        }
    }

    /** Sends up exactly these syscalls (x86_64 numbers), plus fork/exec/exit when {@code processEvents}. */
    public void select(Set<Integer> syscalls, boolean processEvents) {
        for (int nr = 0; nr < 512; nr++) {
            setInteresting(nr, nr == PROC_EVENTS_KEY ? processEvents : syscalls.contains(nr));
        }
    }

    /** Events of this process are not sent up (the detector's own file and socket activity). */
    public void ignoreProcess(long tgid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(JAVA_INT);
            MemorySegment value = a.allocateFrom(JAVA_INT, (int) tgid);
            update(mapFd("settings"), key, value);
        }
    }

    /** The program that tells a successful execveat from an execve (needs tracefs). */
    public static final String EXECVEAT_PROGRAM = "execveat_entry";

    /**
     * Programs the capture works without, and what is lost then. They attach to classic
     * tracepoints, which need tracefs; everything else attaches to BTF tracepoints.
     */
    private static final Map<String, String> OPTIONAL_PROGRAMS = Map.of(
            EXECVEAT_PROGRAM,
            "a successful execveat is reported as execve (mount tracefs to tell them apart: "
                    + "mount -t tracefs nodev /sys/kernel/tracing)");

    /** Attaches every program: events flow from here on. */
    public void attach() throws CaptureException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = MemorySegment.NULL;
            while (true) {
                prog = (MemorySegment) Libbpf.OBJECT_NEXT_PROGRAM.invokeExact(object, prog);
                if (prog.equals(MemorySegment.NULL)) {
                    break;
                }
                MemorySegment state = Libbpf.callState(a);
                MemorySegment link = (MemorySegment) Libbpf.PROGRAM_ATTACH.invokeExact(state, prog);
                if (link.equals(MemorySegment.NULL)) {
                    String name = Libbpf.string((MemorySegment) Libbpf.PROGRAM_NAME.invokeExact(prog));
                    if (OPTIONAL_PROGRAMS.containsKey(name)) {
                        System.err.println("capture: " + name + " not attached (" + errnoName(Libbpf.errno(state))
                                + "): " + OPTIONAL_PROGRAMS.get(name));
                        missing.put(name, OPTIONAL_PROGRAMS.get(name));
                        continue;
                    }
                    throw new CaptureException(
                            "attaching " + name + " failed (" + errnoName(Libbpf.errno(state)) + ")", null);
                }
                links.add(link);
            }
        } catch (CaptureException e) {
            throw e;
        } catch (Throwable t) {
            throw new CaptureException("attaching failed: " + t, t);
        }
    }

    /**
     * The optional programs that {@link #attach} could not attach (name to what is lost without
     * it); empty when everything attached.
     */
    public Map<String, String> missingPrograms() {
        return Map.copyOf(missing);
    }

    /**
     * Delivers what the kernel has queued to {@code sink}, waiting up to {@code timeoutMillis} for
     * the kernel's wakeup. The kernel wakes userspace only once enough has queued, so the queue is
     * also drained when the wait times out: at low rates events are at most one timeout late.
     *
     * <p>Every record arrives in the same {@link RawEvent}, refilled per record: the sink must be
     * done with it when it returns ({@link RawEvent#copy()} keeps one). This saves the event
     * thread an allocation per record.
     *
     * @return the number of events delivered
     */
    public int pollInPlace(int timeoutMillis, Consumer<RawEvent> sink) {
        return pollInPlace(timeoutMillis, sink, RingReader.MAX_RECORDS_PER_CONSUME);
    }

    /** As {@link #pollInPlace(int, Consumer)}, handing over at most {@code max} records. */
    int pollInPlace(int timeoutMillis, Consumer<RawEvent> sink, int max) {
        consumer = sink;
        ring.await(timeoutMillis);
        return ring.consume(onRecord, max);
    }

    /** Events the kernel could not queue because the ring buffer was full, since load. */
    public long drops() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(JAVA_INT);
            MemorySegment values = a.allocate(JAVA_LONG, cpus);
            MemorySegment state = Libbpf.callState(a);
            int rc = (int) Libbpf.MAP_LOOKUP.invokeExact(state, dropsFd, key, values);
            if (rc != 0) {
                throw new IllegalStateException("reading the drop counter: " + errnoName(Libbpf.errno(state)));
            }
            long sum = 0;
            for (int i = 0; i < cpus; i++) {
                sum += values.getAtIndex(JAVA_LONG, i);
            }
            return sum;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Records from the ring buffer that did not decode (a layout mismatch); counted, not thrown. */
    public long malformed() {
        return malformed.get();
    }

    /** Nanoseconds to add to an event's boot-time stamp for wall-clock time. */
    public long bootToEpochOffset() {
        return bootToEpoch;
    }

    /** Each record of the ring: decoded and handed to the consumer; malformed ones are counted. */
    private void onRecord(MemorySegment ringData, long offset, int length) {
        RawEvent e;
        try {
            e = reused.load(ringData, offset, length);
        } catch (IllegalArgumentException malformedRecord) {
            malformed.incrementAndGet();
            return;
        }
        consumer.accept(e);
    }

    private void setInteresting(int nr, boolean on) {
        try (Arena a = Arena.ofConfined()) {
            update(interestingFd, a.allocateFrom(JAVA_INT, nr), a.allocateFrom(JAVA_BYTE, (byte) (on ? 1 : 0)));
        }
    }

    private static void update(int fd, MemorySegment key, MemorySegment value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a);
            int rc = (int) Libbpf.MAP_UPDATE.invokeExact(state, fd, key, value, 0L);
            if (rc != 0) {
                throw new IllegalStateException("bpf_map_update_elem failed: " + errnoName(Libbpf.errno(state)));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int mapFd(String name) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) Libbpf.FIND_MAP_FD.invokeExact(object, a.allocateFrom(name));
            if (fd < 0) {
                throw new IllegalStateException("map " + name + " missing from the BPF object");
            }
            return fd;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM: not permitted; run as root or with CAP_BPF and CAP_PERFMON";
            case 2 -> "ENOENT";
            case 7 -> "E2BIG";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES: the verifier rejected a program";
            case 22 -> "EINVAL";
            case 95 -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            for (MemorySegment link : links) {
                int ignored = (int) Libbpf.LINK_DESTROY.invokeExact(link);
            }
            links.clear();
            if (ring != null) {
                ring.close();
            }
            Libbpf.OBJECT_CLOSE.invokeExact(object);
        } catch (Throwable t) {
            // closing is best effort; the kernel frees everything when the process exits
        }
    }

    /** The capture cannot start; the message says why and what to do. */
    public static final class CaptureException extends Exception {
        public CaptureException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
