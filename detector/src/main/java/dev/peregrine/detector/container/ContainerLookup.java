package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.util.function.Consumer;

/** The container of a thread, from its cgroup; never blocks (see {@link ContainerTable#lookup}). */
public interface ContainerLookup {
    ContainerInfo lookup(long cgroupId, String cgroupLeaf, long pid);

    /**
     * Whether the cgroup is a container's whose metadata (image, privileges, labels) its engine is
     * being asked for right now: events of it are worth holding back a moment. False for the host,
     * for a cgroup not known yet, and once the engine answered or gave up. Cheap, never blocks.
     */
    default boolean awaitingMetadata(long cgroupId) {
        return false;
    }

    /**
     * Whether the cgroup's container is described by its engine, rather than only by what its
     * cgroup tells (its id and runtime): false for the host, for a container no engine knew and
     * while the answer is on its way. Not on the event path: for counting.
     */
    default boolean described(long cgroupId) {
        return false;
    }

    /** Live processes of the cgroup, to read its root's files; empty when unknown. */
    default long[] pids(long cgroupId) {
        return new long[0];
    }

    /** Calls {@code listener} with each container the lookup forgets (see {@link ContainerTable#onForget}). */
    default void onForget(Consumer<ContainerInfo> listener) {}
}
