package dev.peregrine.detector.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.ProcessInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkloadKeyTest {
    static final ProcessInfo SH =
            ProcessInfo.builder().pid(10).name("sh").exepath("/bin/sh").build();

    @Test
    void aHostProcessIsKeyedByItsExecutable() {
        assertThat(WorkloadKey.of(ContainerInfo.HOST, SH, WorkloadKey.KeyBy.WORKLOAD))
                .isEqualTo("exe:/bin/sh");
    }

    @Test
    void aContainerIsKeyedByImageAndMainCommandWhateverProcessRuns() {
        ContainerInfo c = ContainerInfo.builder()
                .id("abc")
                .imageRepository("nginx")
                .imageTag("1.25")
                .command("nginx -g daemon off;")
                .build();
        assertThat(WorkloadKey.of(c, SH, WorkloadKey.KeyBy.WORKLOAD))
                .isEqualTo("image:nginx:1.25 nginx -g daemon off;");
        assertThat(WorkloadKey.of(c, SH, WorkloadKey.KeyBy.IMAGE)).isEqualTo("image:nginx:1.25");
    }

    @Test
    void aContainerWhoseMetadataHasNotArrivedHasNoKeyYet() {
        ContainerInfo c = ContainerInfo.builder().id("abc").build();
        assertThat(WorkloadKey.of(c, SH, WorkloadKey.KeyBy.WORKLOAD)).isNull();
    }

    @Test
    void kubernetesReplicasShareTheirDeploymentsProfile() {
        ContainerInfo a = pod("web-5d8f7c9b6-abcde", Map.of("pod-template-hash", "5d8f7c9b6", "app", "web"));
        ContainerInfo b = pod("web-5d8f7c9b6-xyz12", Map.of("pod-template-hash", "5d8f7c9b6", "app", "web"));
        assertThat(WorkloadKey.of(a, SH, WorkloadKey.KeyBy.WORKLOAD)).isEqualTo("k8s:shop/web/nginx");
        assertThat(WorkloadKey.of(b, SH, WorkloadKey.KeyBy.WORKLOAD)).isEqualTo("k8s:shop/web/nginx");
        ContainerInfo s = pod("db-0", Map.of("statefulset.kubernetes.io/pod-name", "db-0"));
        assertThat(WorkloadKey.of(s, SH, WorkloadKey.KeyBy.WORKLOAD)).isEqualTo("k8s:shop/db/nginx");
        ContainerInfo bare = pod("debug", Map.of());
        assertThat(WorkloadKey.of(bare, SH, WorkloadKey.KeyBy.WORKLOAD)).isEqualTo("k8s:shop/debug/nginx");
    }

    private static ContainerInfo pod(String name, Map<String, String> podLabels) {
        return ContainerInfo.builder()
                .id("abc")
                .name("k8s_nginx_" + name)
                .imageRepository("nginx")
                .imageTag("1.25")
                .podName(name)
                .nsName("shop")
                .podLabels(podLabels)
                .labels(Map.of("io.kubernetes.container.name", "nginx"))
                .build();
    }
}
