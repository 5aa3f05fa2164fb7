package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.util.function.Consumer;

/** The container of a thread, from its cgroup; never blocks (see {@link ContainerTable#lookup}). */
public interface ContainerLookup {
    ContainerInfo lookup(long cgroupId, String cgroupLeaf, long pid);

    /** Live processes of the cgroup, to read its root's files; empty when unknown. */
    default long[] pids(long cgroupId) {
        return new long[0];
    }

    /** Calls {@code listener} with each container the lookup forgets (see {@link ContainerTable#onForget}). */
    default void onForget(Consumer<ContainerInfo> listener) {}
}
