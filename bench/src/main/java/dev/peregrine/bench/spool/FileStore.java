package dev.peregrine.bench.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The no-library baseline: append-only segment files of records [len:int][id:long][payload],
 * one {@code FileChannel.force(false)} (fdatasync) per batch. A segment is rolled at
 * {@value #SEGMENT_BYTES} bytes and deleted once every record in it was delivered; the consumer's
 * position is written to a small head file without a sync (losing it only means redelivery).
 * No crash recovery (torn tail detection) is written here: a real one would need a CRC per record.
 */
final class FileStore extends GroupCommitStore {
    static final long SEGMENT_BYTES = 64L << 20;
    private static final int HEADER = 12;

    private static final class Segment {
        final Path path;
        final long firstId;
        final FileChannel readChannel;
        volatile long lastId;
        /** Bytes of this segment that are durable, so readable. */
        volatile long durableEnd;

        volatile boolean sealed;

        Segment(Path path, long firstId) throws IOException {
            this.path = path;
            this.firstId = firstId;
            this.lastId = firstId - 1;
            this.readChannel = FileChannel.open(
                    path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    private final Path dir;
    private final ConcurrentLinkedDeque<Segment> segments = new ConcurrentLinkedDeque<>();
    private final FileChannel head;
    private final ByteBuffer headBuf = ByteBuffer.allocateDirect(8);
    private FileChannel out;
    private Segment current;
    private long position;
    private long nextId = 1;
    private ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
    // reader state (the one consumer thread)
    private Segment readSegment;
    private long readPosition;
    private final ByteBuffer readHeader = ByteBuffer.allocate(HEADER);

    FileStore(Path dir) throws IOException {
        this.dir = dir;
        head = FileChannel.open(dir.resolve("head"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        roll();
        start();
    }

    private void roll() throws IOException {
        if (current != null) {
            out.force(false);
            current.sealed = true;
            out.close();
        }
        current = new Segment(dir.resolve(String.format("%020d.seg", nextId)), nextId);
        out = FileChannel.open(current.path, StandardOpenOption.WRITE);
        position = 0;
        segments.addLast(current);
    }

    @Override
    void writeAppends(List<String> uuids, List<byte[]> payloads) throws IOException {
        if (position >= SEGMENT_BYTES) {
            roll();
        }
        int size = 0;
        for (byte[] p : payloads) {
            size += HEADER + p.length;
        }
        if (buf.capacity() < size) {
            buf = ByteBuffer.allocateDirect(Integer.highestOneBit(size) << 1);
        }
        buf.clear();
        for (byte[] p : payloads) {
            buf.putInt(p.length).putLong(nextId++).put(p);
        }
        buf.flip();
        while (buf.hasRemaining()) {
            position += out.write(buf, position);
        }
    }

    @Override
    void writeRemove(long upToId, int count) throws IOException {
        while (segments.size() > 1 && segments.peekFirst().sealed && segments.peekFirst().lastId <= upToId) {
            Segment s = segments.pollFirst();
            s.readChannel.close();
            Files.deleteIfExists(s.path);
        }
        headBuf.clear();
        headBuf.putLong(upToId).flip();
        head.write(headBuf, 0);
    }

    @Override
    void sync() throws IOException {
        out.force(false);
        current.durableEnd = position;
        current.lastId = nextId - 1;
    }

    @Override
    List<Entry> readNow(long afterId, int max) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (readSegment == null) {
            readSegment = segments.peekFirst();
            readPosition = 0;
        }
        while (entries.size() < max) {
            Segment s = readSegment;
            long end = s.durableEnd;
            if (readPosition >= end) {
                if (s.sealed && readPosition >= s.durableEnd) {
                    Segment nextSegment = nextAfter(s);
                    if (nextSegment == null) {
                        break;
                    }
                    readSegment = nextSegment;
                    readPosition = 0;
                    continue;
                }
                break;
            }
            readHeader.clear();
            readFully(s.readChannel, readHeader, readPosition);
            readHeader.flip();
            int len = readHeader.getInt();
            long id = readHeader.getLong();
            ByteBuffer p = ByteBuffer.allocate(len);
            readFully(s.readChannel, p, readPosition + HEADER);
            readPosition += HEADER + len;
            if (id > afterId) {
                entries.add(new Entry(id, p.array()));
            }
        }
        return entries;
    }

    /** The segment after {@code s}, even when {@code s} was already deleted. */
    private Segment nextAfter(Segment s) {
        for (Segment x : segments) {
            if (x.firstId > s.firstId) {
                return x;
            }
        }
        return null;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) {
                throw new IOException("unexpected end of segment");
            }
            at += n;
        }
    }

    @Override
    void closeStore() throws IOException {
        out.force(false);
        out.close();
        head.close();
        for (Segment s : segments) {
            s.readChannel.close();
        }
    }
}
