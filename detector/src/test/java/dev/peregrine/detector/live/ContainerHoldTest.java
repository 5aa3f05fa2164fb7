package dev.peregrine.detector.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The hold on its own, with a container table whose answers the test gives: which cgroups await
 * their metadata, and what each container is.
 */
class ContainerHoldTest {
    static final long WAIT = 300_000_000L;
    static final long A = 101, B = 202;

    /** A table the test drives: a cgroup awaits its metadata while it is in {@link #awaiting}. */
    static final class Table implements ContainerLookup {
        final Set<Long> awaiting = new HashSet<>();
        final Map<Long, ContainerInfo> known = new HashMap<>();

        @Override
        public ContainerInfo lookup(long cgroupId, String leaf, long pid) {
            return known.getOrDefault(cgroupId, ContainerInfo.HOST);
        }

        @Override
        public boolean awaitingMetadata(long cgroupId) {
            return awaiting.contains(cgroupId);
        }

        @Override
        public boolean described(long cgroupId) {
            ContainerInfo c = known.get(cgroupId);
            return c != null && c.imageRepository != null;
        }
    }

    record Release(int events, long heldNanos, boolean complete) {}

    final Table table = new Table();
    final List<Event> evaluated = new ArrayList<>();
    final List<Release> releases = new ArrayList<>();

    ContainerHold hold(int maxHeld) {
        return new ContainerHold(
                table,
                WAIT,
                maxHeld,
                evaluated::add,
                (n, nanos, complete) -> releases.add(new Release(n, nanos, complete)));
    }

    static ContainerInfo provisional(String id) {
        return ContainerInfo.builder().id(id).type("docker").build();
    }

    static ContainerInfo described(String id, String repository) {
        return ContainerInfo.builder()
                .id(id)
                .type("docker")
                .imageRepository(repository)
                .imageTag("1")
                .privileged(true)
                .build();
    }

    static Event event(long num, ContainerInfo container) {
        return Event.builder().num(num).type("execve").container(container).build();
    }

    @Test
    void theHostIsNeverHeld() {
        table.awaiting.add(A);
        ContainerHold h = hold(10);
        // Even with a container held, and even were the host's cgroup reported as awaiting.
        assertThat(h.offer(event(1, provisional("aaaaaaaaaaaa")), A)).isTrue();
        table.awaiting.add(1L);
        assertThat(h.offer(event(2, ContainerInfo.HOST), 1)).isFalse();
        assertThat(h.holding()).isEqualTo(1);
    }

    @Test
    void aContainersEventsWaitForItsMetadataAndKeepTheirOrder() {
        table.awaiting.add(A);
        table.known.put(A, provisional("aaaaaaaaaaaa"));
        ContainerHold h = hold(10);
        for (long n = 1; n <= 3; n++) {
            assertThat(h.offer(event(n, provisional("aaaaaaaaaaaa")), A)).isTrue();
        }
        // A container whose metadata is there is not held, held ones or not elsewhere.
        table.known.put(B, described("bbbbbbbbbbbb", "b"));
        assertThat(h.offer(event(10, described("bbbbbbbbbbbb", "b")), B)).isFalse();
        h.release(System.nanoTime());
        assertThat(evaluated).isEmpty();

        table.awaiting.remove(A);
        table.known.put(A, described("aaaaaaaaaaaa", "registry/app"));
        // The next event of the container releases the held ones first, then is evaluated by the caller.
        assertThat(h.offer(event(4, provisional("aaaaaaaaaaaa")), A)).isFalse();
        assertThat(evaluated).extracting(e -> e.num).containsExactly(1L, 2L, 3L);
        assertThat(evaluated).allSatisfy(e -> {
            assertThat(e.container.imageRepository).isEqualTo("registry/app");
            assertThat(e.container.privileged).isTrue();
        });
        assertThat(releases).containsExactly(new Release(3, releases.getFirst().heldNanos(), true));
        assertThat(h.holding()).isZero();
        assertThat(h.isEmpty()).isTrue();
    }

    @Test
    void metadataArrivingBetweenEventsReleasesOnTheNextPoll() {
        table.awaiting.add(A);
        ContainerHold h = hold(10);
        h.offer(event(1, provisional("aaaaaaaaaaaa")), A);
        table.awaiting.remove(A);
        table.known.put(A, described("aaaaaaaaaaaa", "app"));
        h.release(System.nanoTime());
        assertThat(evaluated)
                .singleElement()
                .satisfies(e -> assertThat(e.container.imageRepository).isEqualTo("app"));
        assertThat(releases.getFirst().complete()).isTrue();
    }

    @Test
    void afterItsWaitAContainerIsEvaluatedWithWhatIsKnownAndNoLongerHeld() {
        table.awaiting.add(A);
        table.known.put(A, provisional("aaaaaaaaaaaa"));
        ContainerHold h = hold(10);
        h.offer(event(1, provisional("aaaaaaaaaaaa")), A);
        h.offer(event(2, provisional("aaaaaaaaaaaa")), A);
        h.release(System.nanoTime() + WAIT);
        assertThat(evaluated).extracting(e -> e.num).containsExactly(1L, 2L);
        assertThat(evaluated.getFirst().container.imageRepository).isNull();
        assertThat(releases).singleElement().satisfies(r -> {
            assertThat(r.events()).isEqualTo(2);
            assertThat(r.complete()).isFalse();
        });
        // Still no metadata: its next events are not held again.
        assertThat(h.offer(event(3, provisional("aaaaaaaaaaaa")), A)).isFalse();
        // Once it came, the container is forgotten by the hold.
        table.awaiting.remove(A);
        h.release(System.nanoTime());
        assertThat(h.isEmpty()).isTrue();
    }

    @Test
    void pastTheBoundTheContainerHeldLongestIsReleasedNothingIsDropped() {
        table.awaiting.add(A);
        table.awaiting.add(B);
        ContainerHold h = hold(3);
        h.offer(event(1, provisional("aaaaaaaaaaaa")), A);
        h.offer(event(2, provisional("aaaaaaaaaaaa")), A);
        h.offer(event(3, provisional("bbbbbbbbbbbb")), B);
        assertThat(evaluated).isEmpty();
        h.offer(event(4, provisional("bbbbbbbbbbbb")), B);
        assertThat(evaluated).extracting(e -> e.num).containsExactly(1L, 2L);
        assertThat(h.holding()).isEqualTo(2);
        h.releaseAll(System.nanoTime());
        assertThat(evaluated).extracting(e -> e.num).containsExactly(1L, 2L, 3L, 4L);
        assertThat(h.holding()).isZero();
    }

    @Test
    void zeroWaitHoldsNothing() {
        table.awaiting.add(A);
        ContainerHold h = new ContainerHold(table, 0, 10, evaluated::add, (n, nanos, complete) -> {});
        assertThat(h.offer(event(1, provisional("aaaaaaaaaaaa")), A)).isFalse();
    }

    @Test
    void aHeldEventKeepsItsStateAsAtItsSyscall() {
        table.awaiting.add(A);
        ContainerHold h = hold(10);
        Event live = Event.live();
        live.reset(1, 7, "openat", 3);
        live.state(null, null, null, provisional("aaaaaaaaaaaa"));
        live.addArg("name", "/etc/shadow");
        h.offer(live, A);
        live.reset(2, 8, "close", 0); // the live event is refilled by the next record
        table.awaiting.remove(A);
        table.known.put(A, described("aaaaaaaaaaaa", "app"));
        h.release(System.nanoTime());
        assertThat(evaluated).singleElement().satisfies(e -> {
            assertThat(e.num).isEqualTo(7);
            assertThat(e.type).isEqualTo("openat");
            assertThat(e.arg("name")).isEqualTo("/etc/shadow");
        });
    }

    @Test
    void aContainerNoEngineKnewIsReleasedAtOnceAndCountedWithoutMetadata() {
        table.awaiting.add(A);
        table.known.put(A, provisional("aaaaaaaaaaaa"));
        ContainerHold h = hold(10);
        h.offer(event(1, provisional("aaaaaaaaaaaa")), A);
        table.awaiting.remove(A); // the engines said they do not know it
        h.release(System.nanoTime());
        assertThat(evaluated)
                .singleElement()
                .satisfies(e -> assertThat(e.container.imageRepository).isNull());
        assertThat(releases)
                .singleElement()
                .satisfies(r -> assertThat(r.complete()).isFalse());
    }
}
