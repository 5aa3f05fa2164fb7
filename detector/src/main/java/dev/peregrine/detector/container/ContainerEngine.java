package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.io.IOException;
import java.util.Optional;

/**
 * A source of container metadata (a container engine's API). {@link ContainerTable} calls it on a
 * virtual thread, never on the event path.
 */
public interface ContainerEngine {
    /** The runtime whose containers this engine describes first. */
    ContainerIds.Runtime runtime();

    /** Whether the engine can be asked at all now (its socket exists). Cheap. */
    boolean available();

    /**
     * Metadata of one container. Blocking. A container that is created but not yet recorded as
     * started may be asked again for a moment, for its start time.
     *
     * @return empty when the engine does not know the container (a definite answer, not retried)
     * @throws IOException when the engine could not be asked (retried later)
     */
    Optional<ContainerInfo> inspect(ContainerIds.Ref ref) throws IOException;

    /**
     * As {@link #inspect}, for a container the engine has just announced as created: answered at
     * once, without waiting for it to start (its start time is then its creation time, until
     * {@link Lifecycle#started} has it asked again).
     */
    default Optional<ContainerInfo> inspectCreated(ContainerIds.Ref ref) throws IOException {
        return inspect(ref);
    }

    /** Whether {@link #follow} tells of containers as the engine creates them. */
    default boolean announces() {
        return false;
    }

    /**
     * Follows the engine's event stream, telling {@code lifecycle} of each container created and
     * started, until the stream ends (returns) or breaks (throws). Blocking; interrupting the
     * thread ends it.
     *
     * @throws UnsupportedOperationException when the engine has no such stream (not worth trying again)
     * @throws IOException when the stream could not be opened or broke (tried again later)
     */
    default void follow(Lifecycle lifecycle) throws IOException {
        throw new UnsupportedOperationException(runtime() + " engine has no event stream");
    }

    /** What {@link #follow} tells. Called on the following thread; must not block long. */
    interface Lifecycle {
        /** The stream is open: from now on, containers the engine creates are told. */
        default void following() {}

        /** The engine created the container: it is about to start, its processes have not run yet. */
        void created(ContainerIds.Ref ref);

        /** The container's first process runs now. */
        void started(ContainerIds.Ref ref);
    }
}
