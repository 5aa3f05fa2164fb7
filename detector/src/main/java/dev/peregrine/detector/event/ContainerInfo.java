package dev.peregrine.detector.event;

import java.util.List;
import java.util.Map;

/**
 * Container and Kubernetes metadata, provided natively (Falco gets these from its container plugin).
 * {@link #HOST} stands for processes outside any container, with the values Falco shows for them.
 */
public final class ContainerInfo {
    public record Mount(String source, String dest, String mode, boolean rdwr, String propagation) {}

    public static final ContainerInfo HOST = builder()
            .id("host")
            .name("host")
            .imageRepository("")
            .imageTag("")
            .image("")
            .build();

    public final String id;
    public final String name;
    public final String image;
    public final String imageRepository;
    public final String imageTag;
    public final String imageId;
    public final String type;
    public final boolean privileged;
    public final long startTs;
    public final List<Mount> mounts;
    public final String mountsLine;
    public final String podName;
    public final String nsName;
    public final String podUid;
    public final Map<String, String> podLabels;
    /** The container's own labels (Falco's {@code container.label}); empty when the engine gave none. */
    public final Map<String, String> labels;
    /** The container's main command (entrypoint and arguments) as its engine gave it; null when not given. */
    public final String command;

    private ContainerInfo(Builder b) {
        id = b.id;
        name = b.name;
        imageRepository = b.imageRepository;
        imageTag = b.imageTag;
        image = b.image != null
                ? b.image
                : (imageRepository == null
                        ? null
                        : (imageTag == null || imageTag.isEmpty()
                                ? imageRepository
                                : imageRepository + ":" + imageTag));
        imageId = b.imageId;
        type = b.type;
        privileged = b.privileged;
        startTs = b.startTs;
        mounts = List.copyOf(b.mounts);
        podName = b.podName;
        nsName = b.nsName;
        podUid = b.podUid;
        podLabels = Map.copyOf(b.podLabels);
        labels = Map.copyOf(b.labels);
        command = b.command;
        StringBuilder sb = new StringBuilder();
        for (Mount m : mounts) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(m.source())
                    .append(':')
                    .append(m.dest())
                    .append(':')
                    .append(m.mode())
                    .append(':')
                    .append(m.rdwr())
                    .append(':')
                    .append(m.propagation());
        }
        mountsLine = sb.toString();
    }

    public boolean isHost() {
        return "host".equals(id);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        String id, name, image, imageRepository, imageTag, imageId, type, podName, nsName, podUid, command;
        boolean privileged;
        long startTs = Event.NONE;
        List<Mount> mounts = List.of();
        Map<String, String> podLabels = Map.of();
        Map<String, String> labels = Map.of();

        public Builder id(String v) {
            id = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder image(String v) {
            image = v;
            return this;
        }

        public Builder imageRepository(String v) {
            imageRepository = v;
            return this;
        }

        public Builder imageTag(String v) {
            imageTag = v;
            return this;
        }

        public Builder imageId(String v) {
            imageId = v;
            return this;
        }

        public Builder type(String v) {
            type = v;
            return this;
        }

        public Builder privileged(boolean v) {
            privileged = v;
            return this;
        }

        public Builder startTs(long v) {
            startTs = v;
            return this;
        }

        public Builder mounts(List<Mount> v) {
            mounts = v;
            return this;
        }

        public Builder podName(String v) {
            podName = v;
            return this;
        }

        public Builder nsName(String v) {
            nsName = v;
            return this;
        }

        public Builder podUid(String v) {
            podUid = v;
            return this;
        }

        public Builder podLabels(Map<String, String> v) {
            podLabels = v;
            return this;
        }

        public Builder labels(Map<String, String> v) {
            labels = v;
            return this;
        }

        public Builder command(String v) {
            command = v;
            return this;
        }

        public ContainerInfo build() {
            return new ContainerInfo(this);
        }
    }
}
