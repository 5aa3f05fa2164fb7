package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.ProcessInfo;

/**
 * The identity a profile is learnt for. Every process of a container counts against the
 * container's workload, also those started later by {@code docker exec} or {@code kubectl exec}:
 * that is where an attacker's shell runs.
 *
 * <ul>
 *   <li>Kubernetes: {@code k8s:NAMESPACE/OWNER/CONTAINER}, the owner being the pod name without
 *       the suffixes its controller adds (ReplicaSet hash, random or ordinal suffix), so all
 *       replicas of a Deployment share one profile.
 *   <li>Other containers: {@code image:REPOSITORY:TAG COMMAND}, the main command telling apart
 *       containers of one image that run different programs.
 *   <li>Host processes: {@code exe:PATH}.
 * </ul>
 *
 * With {@link KeyBy#IMAGE} containers are keyed by image alone.
 */
public final class WorkloadKey {
    /** Longest main command kept in a key: a command line can be long, a key is a file name's source. */
    static final int MAX_COMMAND = 200;

    public enum KeyBy {
        /** Kubernetes workload, else image and main command, else executable. */
        WORKLOAD,
        /** Kubernetes workload, else image, else executable. */
        IMAGE
    }

    private WorkloadKey() {}

    /**
     * The key of the process's workload, or null while a container's metadata (image, pod) has not
     * arrived yet: such events are not attributed rather than learnt under a key that changes.
     */
    public static String of(ContainerInfo c, ProcessInfo p, KeyBy keyBy) {
        if (c == null || c.isHost()) {
            String exe = p.exepath != null && !p.exepath.isEmpty() ? p.exepath : p.exe;
            return exe == null || exe.isEmpty() ? null : "exe:" + exe;
        }
        if (c.nsName != null && !c.nsName.isEmpty() && c.podName != null) {
            String container = c.labels.getOrDefault("io.kubernetes.container.name", c.name);
            return "k8s:" + c.nsName + "/" + owner(c) + "/" + container;
        }
        if (c.image == null || c.image.isEmpty()) return null;
        String image = c.imageRepository != null && !c.imageRepository.isEmpty()
                ? c.imageRepository + ":" + (c.imageTag == null || c.imageTag.isEmpty() ? "latest" : c.imageTag)
                : c.image;
        if (keyBy == KeyBy.IMAGE || c.command == null || c.command.isEmpty()) return "image:" + image;
        String command = c.command.length() > MAX_COMMAND ? c.command.substring(0, MAX_COMMAND) : c.command;
        return "image:" + image + " " + command;
    }

    /**
     * The pod's controller, from the pod name: a Deployment's pods are NAME-HASH-XXXXX with the
     * hash in the pod-template-hash label; a StatefulSet's NAME-N; DaemonSets and Jobs NAME-XXXXX.
     */
    static String owner(ContainerInfo c) {
        String pod = c.podName;
        String hash = c.podLabels.get("pod-template-hash");
        if (hash != null && !hash.isEmpty()) {
            int at = pod.lastIndexOf("-" + hash + "-");
            if (at > 0) return pod.substring(0, at);
        }
        if (c.podLabels.containsKey("statefulset.kubernetes.io/pod-name")
                || c.podLabels.containsKey("controller-revision-hash")
                || c.podLabels.containsKey("job-name")
                || c.podLabels.containsKey("batch.kubernetes.io/job-name")) {
            int dash = pod.lastIndexOf('-');
            if (dash > 0) return pod.substring(0, dash);
        }
        return pod;
    }
}
