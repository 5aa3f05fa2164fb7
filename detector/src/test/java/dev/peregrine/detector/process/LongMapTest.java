package dev.peregrine.detector.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tables' long-keyed map behaves as a HashMap of the same entries would. */
class LongMapTest {
    @Test
    void randomPutsAndRemovesAgreeWithHashMap() {
        Random random = new Random(42);
        // Key ranges from dense (fds) to sparse (pids, negative values): probe runs collide and wrap.
        for (long range : new long[] {16, 1_000, 1L << 40}) {
            LongMap<String> map = new LongMap<>();
            Map<Long, String> expected = new HashMap<>();
            for (int op = 0; op < 200_000; op++) {
                long key = random.nextLong() % range;
                String value = "v" + op;
                int kind = random.nextInt(5);
                String got = kind < 2 ? map.put(key, value) : kind < 4 ? map.remove(key) : map.get(key);
                String want = kind < 2 ? expected.put(key, value) : kind < 4 ? expected.remove(key) : expected.get(key);
                // Plain comparisons: an assertion object per operation would dominate the test's time.
                if (!Objects.equals(got, want) || map.size() != expected.size()) {
                    fail(
                            "operation %d (%d) on key %d: got %s, size %d; expected %s, size %d",
                            op, kind, key, got, map.size(), want, expected.size());
                }
            }
            for (Map.Entry<Long, String> e : expected.entrySet()) {
                assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
            }
            List<String> values = new ArrayList<>();
            map.forEachValue(values::add);
            List<String> want = new ArrayList<>(expected.values());
            values.sort(null);
            want.sort(null);
            assertThat(values).isEqualTo(want);
        }
    }

    /** As an exec removes the close-on-exec fds: whatever the probe runs, exactly the matching entries go. */
    @Test
    void removeIfRemovesExactlyTheMatchingEntries() {
        Random random = new Random(3);
        for (int round = 0; round < 200; round++) {
            LongMap<Long> map = new LongMap<>();
            Map<Long, Long> expected = new HashMap<>();
            for (int i = 0; i < random.nextInt(300); i++) {
                long key = random.nextInt(round % 2 == 0 ? 64 : 100_000);
                long value = random.nextInt(1000);
                map.put(key, value);
                expected.put(key, value);
            }
            List<Long> keys = new ArrayList<>(expected.keySet());
            map.removeIf(v -> v % 3 == 0);
            expected.values().removeIf(v -> v % 3 == 0);
            assertThat(map.size()).isEqualTo(expected.size());
            for (long key : keys) {
                if (!Objects.equals(map.get(key), expected.get(key))) {
                    fail("round %d, key %d: got %s, expected %s", round, key, map.get(key), expected.get(key));
                }
            }
        }
    }

    @Test
    void removingEveryEntryLeavesAnEmptyMapThatStillWorks() {
        LongMap<Long> map = new LongMap<>();
        for (long k = 0; k < 10_000; k++) {
            map.put(k * 7, k);
        }
        for (long k = 0; k < 10_000; k++) {
            assertThat(map.remove(k * 7)).isEqualTo(k);
        }
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.get(0)).isNull();
        map.put(-1, 1L);
        assertThat(map.get(-1)).isEqualTo(1L);
        assertThat(map.containsKey(-1)).isTrue();
        assertThat(map.containsKey(0)).isFalse();
    }

    @Test
    void aCopyIsIndependentOfTheOriginal() {
        LongMap<String> parent = new LongMap<>();
        parent.put(0, "stdin");
        parent.put(3, "/etc/passwd");
        LongMap<String> child = new LongMap<>(parent);
        child.remove(3);
        child.put(4, "/tmp/x");
        assertThat(parent.get(3)).isEqualTo("/etc/passwd");
        assertThat(parent.get(4)).isNull();
        assertThat(child.get(0)).isEqualTo("stdin");
        assertThat(child.size()).isEqualTo(2);
        assertThat(parent.size()).isEqualTo(2);
    }

    @Test
    void nullValuesAreRefused() {
        assertThatThrownBy(() -> new LongMap<String>().put(1, null)).isInstanceOf(NullPointerException.class);
    }
}
