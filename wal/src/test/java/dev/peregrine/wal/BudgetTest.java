package dev.peregrine.wal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BudgetTest {
    @Test
    void bytesFitUpToTheMaximumExactly() {
        Budget budget = new Budget(100);
        budget.add(60);
        assertThat(budget.fits(40)).isTrue();
        assertThat(budget.fits(41)).isFalse();
        assertThat(budget.full()).isFalse();
        budget.add(40);
        assertThat(budget.full()).isTrue();
        assertThat(budget.fits(0)).isTrue();
        assertThat(budget.fits(1)).isFalse();
    }

    @Test
    void removalsMakeRoomAndACountFromTheTableReplacesTheOld() {
        Budget budget = new Budget(100);
        budget.add(100);
        budget.add(-30);
        assertThat(budget.used()).isEqualTo(70);
        assertThat(budget.full()).isFalse();
        assertThat(budget.fits(30)).isTrue();
        budget.set(120);
        assertThat(budget.used()).isEqualTo(120);
        assertThat(budget.full()).isTrue();
        assertThat(budget.maxBytes()).isEqualTo(100);
    }
}
