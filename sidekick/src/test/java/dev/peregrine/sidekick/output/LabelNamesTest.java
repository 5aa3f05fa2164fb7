package dev.peregrine.sidekick.output;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelNamesTest {

    @Test
    void labelNamesAreMadeFromFieldNamesAsFalcosidekickDoes() {
        assertThat(LabelNames.fromField("k8s.ns.name")).isEqualTo("k8s_ns_name");
        assertThat(LabelNames.fromField("proc.aname[2]")).isEqualTo("proc_aname_2");
        assertThat(LabelNames.fromField("ka.req.pod.containers.image")).isEqualTo("ka_req_pod_containers_image");
        assertThat(LabelNames.fromField("2fa.user")).isEqualTo("_2fa_user");
    }
}
