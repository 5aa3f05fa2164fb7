package dev.peregrine.detector.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.event.FdInfo;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The fd table's own operations; {@code CloseOnExecTest} has them driven by kernel records. */
class FdTableTest {
    static FdInfo file(long num, boolean cloexec) {
        return FdInfo.file(num, false, "/tmp/f" + num, "/tmp/f" + num, cloexec);
    }

    static FdTable table(long... cloexecFds) {
        FdTable t = new FdTable();
        for (long n = 3; n <= 9; n++) {
            final long fd = n;
            t.put(fd, file(fd, LongStream.of(cloexecFds).anyMatch(c -> c == fd)));
        }
        return t;
    }

    static long[] open(FdTable t) {
        return LongStream.range(0, 64).filter(n -> t.get(n) != null).toArray();
    }

    @Test
    void dupCopiesTheFdUnderItsNewNumberWithTheFlagAskedFor() {
        FdTable t = table(3);
        FdInfo copy = t.dup(3, 12, false);
        assertThat(copy.num).isEqualTo(12);
        assertThat(copy.name).isEqualTo("/tmp/f3");
        assertThat(copy.cloexec).as("a dup's flag is its own").isFalse();
        assertThat(t.get(12)).isSameAs(copy);
        assertThat(t.dup(4, 13, true).cloexec).isTrue();
        assertThat(t.get(3).cloexec).as("the old fd keeps its flag").isTrue();
    }

    @Test
    void dupOntoItselfAFailedDupAndAnUnknownFdChangeNothing() {
        FdTable t = table(3);
        assertThat(t.dup(3, 3, false)).isSameAs(t.get(3));
        assertThat(t.get(3).cloexec).isTrue();
        assertThat(t.dup(3, -9, false)).isNull();
        assertThat(t.dup(40, 41, false)).isNull();
        assertThat(t.size()).isEqualTo(7);
    }

    @Test
    void closeRangeClosesOrMarksOnlyItsRangeAndExecDropsTheMarked() {
        FdTable t = table();
        t.closeRange(4, 5, false);
        assertThat(open(t)).containsExactly(3, 6, 7, 8, 9);
        t.closeRange(8, 0xffffffffL, true);
        assertThat(open(t)).containsExactly(3, 6, 7, 8, 9);
        assertThat(t.get(7).cloexec).isFalse();
        assertThat(t.get(8).cloexec).isTrue();
        t.closeOnExec();
        assertThat(open(t)).containsExactly(3, 6, 7);
    }

    @Test
    void aForkedChildsTableIsACopy() {
        FdTable parent = table();
        FdTable child = new FdTable(parent);
        child.remove(3);
        child.put(20, file(20, false));
        assertThat(open(parent)).containsExactly(3, 4, 5, 6, 7, 8, 9);
        assertThat(open(child)).containsExactly(4, 5, 6, 7, 8, 9, 20);
    }
}
