package dev.peregrine.bench.spool;

import com.squareup.tape2.QueueFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Square's tape2 {@link QueueFile}. It opens its file with mode "rwd" (every write is O_DSYNC) and
 * an {@code add} writes the element and then the header, so it syncs at least twice per element:
 * one element per alert would mean two syncs per alert. To give it the same group commit as the
 * others, each batch is ONE element holding the batch's alerts ([firstId][n] then [len][bytes]...),
 * and an element is removed once all its alerts were delivered. QueueFile is not thread-safe:
 * the writer and the reader take its monitor. {@code zero(false)}: removed space is not zeroed
 * (that would be another synced write per removal).
 */
final class Tape2Store extends GroupCommitStore {
    private final QueueFile queue;
    /** Last id of each element still in the queue, oldest first (writer thread only). */
    private final ArrayDeque<Long> elementLastIds = new ArrayDeque<>();

    private long nextId = 1;

    Tape2Store(Path dir) throws Exception {
        queue = new QueueFile.Builder(dir.resolve("spool.tape").toFile())
                .zero(false)
                .build();
        start();
    }

    @Override
    void writeAppends(List<String> uuids, List<byte[]> payloads) throws Exception {
        int size = 12;
        for (byte[] p : payloads) {
            size += 4 + p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        long first = nextId;
        b.putLong(first).putInt(payloads.size());
        for (byte[] p : payloads) {
            b.putInt(p.length).put(p);
        }
        synchronized (queue) {
            queue.add(b.array(), 0, size);
        }
        nextId += payloads.size();
        elementLastIds.addLast(nextId - 1);
    }

    @Override
    void writeRemove(long upToId, int count) throws Exception {
        int whole = 0;
        while (!elementLastIds.isEmpty() && elementLastIds.peekFirst() <= upToId) {
            elementLastIds.removeFirst();
            whole++;
        }
        if (whole > 0) {
            synchronized (queue) {
                queue.remove(whole);
            }
        }
    }

    @Override
    void sync() {
        // every QueueFile write is already synchronous ("rwd")
    }

    @Override
    List<Entry> readNow(long afterId, int max) {
        List<Entry> entries = new ArrayList<>();
        synchronized (queue) {
            Iterator<byte[]> it = queue.iterator();
            while (entries.size() < max && it.hasNext()) {
                ByteBuffer b = ByteBuffer.wrap(it.next());
                long id = b.getLong();
                int n = b.getInt();
                if (id + n - 1 <= afterId) {
                    continue; // delivered, removal not yet done
                }
                for (int i = 0; i < n; i++, id++) { // the whole element: no re-reading it next time
                    byte[] p = new byte[b.getInt()];
                    b.get(p);
                    if (id > afterId) {
                        entries.add(new Entry(id, p));
                    }
                }
            }
        }
        return entries;
    }

    @Override
    void closeStore() throws Exception {
        synchronized (queue) {
            queue.close();
        }
    }
}
