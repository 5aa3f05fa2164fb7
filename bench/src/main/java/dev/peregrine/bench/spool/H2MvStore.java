package dev.peregrine.bench.spool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * H2's MVStore (the key-value engine under H2, no SQL): one MVMap id -&gt; payload. Each batch is
 * one {@code commit()} (writes a chunk) followed by {@code sync()} (FileChannel.force). Auto-commit
 * (the background writer) is off, so nothing is written except at our commits.
 */
final class H2MvStore extends GroupCommitStore {
    private final MVStore store;
    private final MVMap<Long, byte[]> queue;
    private long nextId = 1;
    /** Readers must not see puts before they are synced: MVMap reads see uncommitted changes. */
    private volatile long durableId;

    private long removedUpTo;

    H2MvStore(Path dir) {
        store = new MVStore.Builder()
                .fileName(dir.resolve("spool.mv").toString())
                .autoCommitDisabled()
                .open();
        queue = store.openMap("queue");
        start();
    }

    @Override
    void writeAppends(List<String> uuids, List<byte[]> payloads) {
        for (byte[] p : payloads) {
            queue.put(nextId++, p);
        }
    }

    @Override
    void writeRemove(long upToId, int count) {
        for (long id = removedUpTo + 1; id <= upToId; id++) {
            queue.remove(id);
        }
        removedUpTo = upToId;
    }

    @Override
    void sync() {
        store.commit();
        store.sync();
        durableId = nextId - 1;
    }

    @Override
    List<Entry> readNow(long afterId, int max) {
        long limit = durableId;
        List<Entry> entries = new ArrayList<>();
        Iterator<Long> keys = queue.keyIterator(afterId + 1);
        while (entries.size() < max && keys.hasNext()) {
            Long id = keys.next();
            if (id > limit) {
                break;
            }
            byte[] p = queue.get(id);
            if (p != null) {
                entries.add(new Entry(id, p));
            }
        }
        return entries;
    }

    @Override
    void closeStore() {
        store.close();
    }
}
