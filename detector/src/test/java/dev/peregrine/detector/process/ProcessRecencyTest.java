package dev.peregrine.detector.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProcessRecencyTest {
    /** Random adds, removals and sightings against a list scanned for the least recent. */
    @Test
    void theOldestIsAlwaysTheLeastRecentlySeen() {
        Random random = new Random(7);
        ProcessRecency recency = new ProcessRecency();
        List<Proc> present = new ArrayList<>();
        long clock = 0;
        for (int op = 0; op < 50_000; op++) {
            int kind = random.nextInt(10);
            if (kind < 3 || present.isEmpty()) {
                Proc p = new Proc(op);
                p.seen = ++clock;
                recency.add(p);
                present.add(p);
            } else if (kind < 6) {
                Proc p = present.remove(random.nextInt(present.size()));
                recency.remove(p);
                assertThat(p.recencySlot).isEqualTo(-1);
            } else if (kind < 9) {
                present.get(random.nextInt(present.size())).seen = ++clock;
            }
            Proc expected =
                    present.stream().min(Comparator.comparingLong(p -> p.seen)).orElse(null);
            assertThat(recency.oldest()).as("operation %d", op).isSameAs(expected);
            assertThat(recency.size()).isEqualTo(present.size());
        }
    }
}
