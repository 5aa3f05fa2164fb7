package dev.peregrine.detector.container;

import dev.peregrine.detector.event.ContainerInfo;
import java.util.concurrent.CompletableFuture;

/**
 * One container the table knows (several cgroups may belong to it: nested cgroups inside the
 * container). Until its engine answers, its info is what the cgroup tells (see {@link #provisional}).
 */
final class Container {
    final String fullId;
    volatile ContainerIds.Ref ref;
    volatile ContainerInfo info;
    boolean engineAnswered; // guarded by this
    final CompletableFuture<ContainerInfo> metadata = new CompletableFuture<>();
    final long createdNanos = System.nanoTime();
    /** A cgroup was found to be this container's (else only its engine announced it so far). */
    volatile boolean inCgroup;

    Container(ContainerIds.Ref ref) {
        this.fullId = ref.id();
        this.ref = ref;
        this.info = provisional(ref);
    }

    /** An engine's answer; it keeps the pod uid the cgroup path told if the engine does not say. */
    synchronized void answered(ContainerInfo got) {
        ContainerIds.Ref now = ref;
        info = got.podUid == null && now.podUid() != null ? withPodUid(got, now.podUid()) : got;
        engineAnswered = true;
    }

    synchronized boolean engineAnswered() {
        return engineAnswered;
    }

    /** A path found later tells more than a bare leaf: runtime and pod uid. */
    synchronized void refine(ContainerIds.Ref fromPath) {
        ContainerIds.Ref old = ref;
        if (!old.guessed() && old.podUid() != null) return;
        ContainerIds.Ref better = new ContainerIds.Ref(
                old.guessed() ? fromPath.runtime() : old.runtime(),
                old.id(),
                old.podUid() != null ? old.podUid() : fromPath.podUid(),
                old.guessed() && fromPath.guessed());
        ref = better;
        if (!engineAnswered) {
            info = provisional(better);
        } else if (info.podUid == null && better.podUid() != null) {
            info = withPodUid(info, better.podUid());
        }
    }

    /** What the cgroup tells alone: the short id, the runtime and (from a kubepods path) the pod uid. */
    static ContainerInfo provisional(ContainerIds.Ref ref) {
        return ContainerInfo.builder()
                .id(ref.shortId())
                .type(ref.runtime().type)
                .podUid(ref.podUid())
                .build();
    }

    private static ContainerInfo withPodUid(ContainerInfo i, String podUid) {
        return ContainerInfo.builder()
                .id(i.id)
                .name(i.name)
                .image(i.image)
                .imageRepository(i.imageRepository)
                .imageTag(i.imageTag)
                .imageId(i.imageId)
                .type(i.type)
                .privileged(i.privileged)
                .startTs(i.startTs)
                .mounts(i.mounts)
                .podName(i.podName)
                .nsName(i.nsName)
                .podUid(podUid)
                .podLabels(i.podLabels)
                .labels(i.labels)
                .build();
    }
}
