package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ThreadNiceTest {
    @Test
    @EnabledOnOs(OS.LINUX)
    void lowersTheCallingThreadAloneToTheNiceValueAsked() throws Exception {
        int before = ThreadNice.current();
        CompletableFuture<Integer> lowered = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                assertThat(ThreadNice.set(before + 7)).isTrue();
                lowered.complete(ThreadNice.current());
            } catch (Throwable e) {
                lowered.completeExceptionally(e);
            }
        });
        assertThat(lowered.get(10, TimeUnit.SECONDS)).isEqualTo(Math.min(19, before + 7));
        assertThat(ThreadNice.current()).isEqualTo(before);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void putsTheCallingThreadAloneInTheIdleClass() throws Exception {
        int before = ThreadNice.policy();
        CompletableFuture<Integer> idle = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                assertThat(ThreadNice.idle()).isTrue();
                idle.complete(ThreadNice.policy());
            } catch (Throwable e) {
                idle.completeExceptionally(e);
            }
        });
        assertThat(idle.get(10, TimeUnit.SECONDS)).isEqualTo(ThreadNice.SCHED_IDLE);
        assertThat(ThreadNice.policy()).isEqualTo(before).isNotEqualTo(ThreadNice.SCHED_IDLE);
    }
}
