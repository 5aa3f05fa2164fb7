package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.cri.v1.ContainerMetadata;
import dev.peregrine.detector.cri.v1.ContainerStatus;
import dev.peregrine.detector.cri.v1.ImageSpec;
import dev.peregrine.detector.cri.v1.Mount;
import dev.peregrine.detector.cri.v1.MountPropagation;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CriEngine's mapping of CRI answers whose shapes the private containerd of
 * {@link CriEngineContainerdTest} does not produce: CRI-O's verbose info, images known only by
 * id or by digest, mounts, a status without a metadata name or a start time.
 */
class CriEngineTest {
    static final String ID = "4f1e2d3c".repeat(8);
    static final String IMAGE_ID = "a1b2c3d4".repeat(8);

    @Test
    void privilegedFromContainerdsConfigOrCriOsFlag() {
        assertThat(CriEngine.privileged(CriEngine.verboseInfo(Map.of(
                        "info",
                        "{\"sandboxID\":\"s\",\"config\":{\"linux\":{\"security_context\":{\"privileged\":true}}}}"))))
                .isTrue();
        assertThat(CriEngine.privileged(CriEngine.verboseInfo(Map.of("info", "{\"config\":{\"linux\":{}}}"))))
                .isFalse();
        assertThat(CriEngine.privileged(CriEngine.verboseInfo(Map.of("info", "{\"privileged\":true,\"pid\":42}"))))
                .isTrue();
        assertThat(CriEngine.privileged(CriEngine.verboseInfo(Map.of("info", "{\"privileged\":false}"))))
                .isFalse();
        assertThat(CriEngine.privileged(CriEngine.verboseInfo(
                        Map.of("info", "{\"runtimeSpec\":{\"linux\":{\"security_context\":{\"privileged\":true}}}}"))))
                .isTrue();
        assertThat(CriEngine.verboseInfo(Map.of("info", "not json"))).isNull();
        assertThat(CriEngine.privileged(CriEngine.verboseInfo(Map.of()))).isFalse();
    }

    @Test
    void anImageKnownByIdOnlyHasNoRepositoryButAnId() {
        ContainerStatus s = ContainerStatus.newBuilder()
                .setId(ID)
                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                .setImage(ImageSpec.newBuilder().setImage("sha256:" + IMAGE_ID))
                .setImageRef("sha256:" + IMAGE_ID)
                .setCreatedAt(1_700_000_000_000_000_000L)
                .build();
        ContainerInfo c = CriEngine.toInfo(s, null, Map.of(), ContainerIds.Runtime.CRIO);
        assertThat(c.id).isEqualTo(ID.substring(0, 12));
        assertThat(c.type).isEqualTo("cri-o");
        assertThat(c.image).isEqualTo("sha256:" + IMAGE_ID);
        assertThat(c.imageRepository).isNull();
        assertThat(c.imageTag).isNull();
        assertThat(c.imageId).isEqualTo(IMAGE_ID);
        // Not started yet: the creation time.
        assertThat(c.startTs).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(c.privileged).isFalse();
    }

    @Test
    void anIdOnlyImageTakesItsNameFromTheSpecAnnotationsAndItsIdFromTheConfig() {
        ContainerStatus s = ContainerStatus.newBuilder()
                .setId(ID)
                .setImage(ImageSpec.newBuilder().setImage("sha256:" + IMAGE_ID))
                .setImageRef("quay.io/app/api@sha256:" + "9".repeat(64))
                .build();
        var info = CriEngine.verboseInfo(
                Map.of(
                        "info",
                        "{\"config\":{\"image\":{\"image\":\"sha256:" + IMAGE_ID + "\"}},"
                                + "\"runtimeSpec\":{\"annotations\":{\"io.kubernetes.cri-o.ImageName\":\"quay.io/app/api:2.1\"}}}"));
        ContainerInfo c = CriEngine.toInfo(s, info, Map.of(), ContainerIds.Runtime.CRIO);
        assertThat(c.image).isEqualTo("quay.io/app/api:2.1");
        assertThat(c.imageRepository).isEqualTo("quay.io/app/api");
        assertThat(c.imageTag).isEqualTo("2.1");
        assertThat(c.imageId).isEqualTo(IMAGE_ID);
    }

    @Test
    void aDigestReferenceIsNoImageIdAndAnUntaggedImageIsLatest() {
        ContainerStatus s = ContainerStatus.newBuilder()
                .setId(ID)
                .putLabels("io.kubernetes.container.name", "web")
                .putLabels("io.kubernetes.pod.name", "web-1")
                .setImage(ImageSpec.newBuilder().setImage("registry.local:5000/team/web"))
                .setImageRef("registry.local:5000/team/web@sha256:" + IMAGE_ID)
                .addMounts(Mount.newBuilder()
                        .setHostPath("/var/lib/kubelet/pods/x/volumes/cfg")
                        .setContainerPath("/etc/cfg")
                        .setReadonly(true))
                .addMounts(Mount.newBuilder()
                        .setHostPath("/srv")
                        .setContainerPath("/srv")
                        .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL))
                .addMounts(Mount.newBuilder()
                        .setHostPath("/data")
                        .setContainerPath("/data")
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
                .build();
        ContainerInfo c = CriEngine.toInfo(
                s, null, Map.of("io.kubernetes.pod.uid", "u", "team", "a"), ContainerIds.Runtime.CONTAINERD);
        // No metadata name: the kubelet's container-name label.
        assertThat(c.name).isEqualTo("web");
        assertThat(c.imageRepository).isEqualTo("registry.local:5000/team/web");
        assertThat(c.imageTag).isEqualTo("latest");
        assertThat(c.imageId).isNull();
        assertThat(c.startTs).isEqualTo(Event.NONE);
        assertThat(c.podName).isEqualTo("web-1");
        assertThat(c.podLabels).containsExactly(Map.entry("team", "a"));
        assertThat(c.mounts)
                .containsExactly(
                        new ContainerInfo.Mount(
                                "/var/lib/kubelet/pods/x/volumes/cfg", "/etc/cfg", "", false, "private"),
                        new ContainerInfo.Mount("/srv", "/srv", "", true, "rshared"),
                        new ContainerInfo.Mount("/data", "/data", "", true, "rslave"));
    }
}
