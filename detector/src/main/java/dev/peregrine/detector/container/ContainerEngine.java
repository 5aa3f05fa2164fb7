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
     * Metadata of one container. Blocking.
     *
     * @return empty when the engine does not know the container (a definite answer, not retried)
     * @throws IOException when the engine could not be asked (retried later)
     */
    Optional<ContainerInfo> inspect(ContainerIds.Ref ref) throws IOException;
}
