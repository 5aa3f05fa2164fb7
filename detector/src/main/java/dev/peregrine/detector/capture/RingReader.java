package dev.peregrine.detector.capture;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Reads a BPF ring buffer map straight from its memory mapping, following the kernel's protocol
 * (kernel/bpf/ringbuf.c) as libbpf's ring_buffer does, but in Java. Through libbpf every record
 * was an upcall from native code, whose thread-state transitions cost about as much as decoding
 * the record; here the loop over records is Java code the JIT compiles with the handler inlined.
 *
 * <p>The mapping: one writable page holding the consumer position, then a read-only page holding
 * the producer position, then the data area mapped twice in a row so that a record that wraps
 * around the end reads as one piece. Each record has an 8-byte header, its length with a busy bit
 * (not committed yet) and a discard bit, and starts 8-byte aligned.
 *
 * <p>Not thread-safe: one thread waits, consumes and closes.
 */
final class RingReader implements AutoCloseable {
    /** Called with each committed record: {@code length} bytes at {@code offset} of {@code ring}. */
    @FunctionalInterface
    interface Handler {
        void record(MemorySegment ring, long offset, int length);
    }

    private static final int BUSY_BIT = 1 << 31;
    private static final int DISCARD_BIT = 1 << 30;
    private static final int HEADER_SIZE = 8;
    /**
     * The consumer position is published after this many bytes, not after each record: every
     * reservation in the kernel reads that cache line, so a write per record made each traced
     * syscall wait for the line to come back from the reader's CPU. Well below the kernel side's
     * 256 KiB wakeup threshold, so the space seen as queued is never off by enough to force wakeups.
     */
    private static final long PUBLISH_BYTES = 16 * 1024;
    /**
     * At most this many records per poll of the event loop: under sustained load the producer keeps the
     * ring non-empty and an unbounded call never returns, so the event loop would never get to
     * ask whether to stop (Ctrl-C) or to refresh its gauges. A return costs one poll(2) that finds
     * data at once, about a microsecond per 64 Ki records.
     */
    static final int MAX_RECORDS_PER_CONSUME = 1 << 16;

    private static final VarHandle POSITION = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle LENGTH = ValueLayout.JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment consumer;
    /** The producer page followed by the data area twice. */
    private final MemorySegment producer;

    private final MemorySegment data;
    private final long mask;
    /** struct pollfd for {@link #await}. */
    private final MemorySegment pollFd = Arena.ofAuto().allocate(8);

    private RingReader(int fd, long pageSize, long size, MemorySegment consumer, MemorySegment producer) {
        this.fd = fd;
        this.consumer = consumer;
        this.producer = producer;
        this.data = producer.asSlice(pageSize, 2 * size);
        this.mask = size - 1;
    }

    /**
     * Maps the ring buffer of map {@code fd}, whose data area is {@code size} bytes (its
     * max_entries, a power of two).
     */
    static RingReader map(int fd, long size) {
        long page = Libc.pageSize();
        MemorySegment consumer = mmap(fd, page, Libc.PROT_READ | Libc.PROT_WRITE, 0);
        MemorySegment producer;
        try {
            producer = mmap(fd, page + 2 * size, Libc.PROT_READ, page);
        } catch (IllegalStateException e) {
            unmap(consumer);
            throw e;
        }
        return new RingReader(fd, page, size, consumer, producer);
    }

    private static MemorySegment mmap(int fd, long length, int prot, long offset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = Libbpf.callState(a);
            MemorySegment m = (MemorySegment)
                    Libc.MMAP.invokeExact(state, MemorySegment.NULL, length, prot, Libc.MAP_SHARED, fd, offset);
            if (m.equals(Libc.MAP_FAILED)) {
                throw new IllegalStateException(
                        "mapping the ring buffer failed: " + Capture.errnoName(Libbpf.errno(state)));
            }
            return m.reinterpret(length);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} until records are queued, or the kernel's wakeup says so.
     * The kernel side wakes the reader only once enough has queued, so records may be there when
     * this times out.
     */
    void await(int timeoutMillis) {
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(JAVA_SHORT, 4, Libc.POLLIN);
        pollFd.set(JAVA_SHORT, 6, (short) 0);
        try {
            // An error (EINTR from a signal) is a short wait: callers loop on time anyway.
            int ignored = (int) Libc.POLL.invokeExact(pollFd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Hands every committed record to {@code handler}, in order, until the ring is empty, the
     * next record is still being written, or {@code max} were handed over. A record counts as consumed when the handler returns or
     * throws; an exception ends this call.
     *
     * @return the records handed over (discarded ones are skipped)
     */
    int consume(Handler handler, int max) {
        long position = (long) POSITION.getAcquire(consumer, 0L);
        long published = position;
        int count = 0;
        boolean progress;
        try {
            do {
                progress = false;
                long end = (long) POSITION.getAcquire(producer, 0L);
                while (position < end) {
                    if (count >= max) {
                        return count;
                    }
                    long offset = position & mask;
                    int header = (int) LENGTH.getAcquire(data, offset);
                    if ((header & BUSY_BIT) != 0) {
                        return count;
                    }
                    progress = true;
                    int length = header & ~(BUSY_BIT | DISCARD_BIT);
                    // Consumed when the handler returns or throws (then the finally publishes it).
                    position += (length + HEADER_SIZE + 7) & ~7L;
                    if ((header & DISCARD_BIT) == 0) {
                        count++;
                        handler.record(data, offset + HEADER_SIZE, length);
                    }
                    if (position - published >= PUBLISH_BYTES) {
                        POSITION.setRelease(consumer, 0L, position);
                        published = position;
                    }
                }
            } while (progress);
            return count;
        } finally {
            // Frees the records' space for the producer, also when the handler failed.
            POSITION.setRelease(consumer, 0L, position);
        }
    }

    @Override
    public void close() {
        unmap(consumer);
        unmap(producer);
    }

    private static void unmap(MemorySegment m) {
        try {
            int ignored = (int) Libc.MUNMAP.invokeExact(m, m.byteSize());
        } catch (Throwable t) {
            // unmapping is best effort; the kernel unmaps everything when the process exits
        }
    }
}
