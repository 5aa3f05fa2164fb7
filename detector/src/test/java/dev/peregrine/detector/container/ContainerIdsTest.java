package dev.peregrine.detector.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.container.ContainerIds.Ref;
import dev.peregrine.detector.container.ContainerIds.Runtime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerIdsTest {
    static final String ID = "3f2a8e4c1d7b9a0e5f6c2b8d4a1e7f3c9b0d5e2a8c4f1b7e3d9a6c0f2e8b4d1a";
    static final String ID2 = "a5393ec186ec525e4023a38626cb9bc5b0b87412f1be49eb03b6133b32d56b76";
    static final String POD = "0d6f1b4a-9b1e-4c8e-8f0e-1c2d3e4f5a6b";
    static final String POD_ = POD.replace('-', '_');

    /** path | runtime (empty: host) | id | pod uid | guessed */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # Docker, cgroupfs driver (cgroup v1 paths and runc's v2 copy on hybrid hosts)
            /docker/ID                                                                        | DOCKER     | ID  | -   | false
            # Docker, systemd driver
            /system.slice/docker-ID.scope                                                     | DOCKER     | ID  | -   | false
            # systemd inside the container: a nested cgroup resolves to the container
            /system.slice/docker-ID.scope/init.scope                                          | DOCKER     | ID  | -   | false
            /docker/ID/init.scope                                                             | DOCKER     | ID  | -   | false
            # docker-in-docker: the innermost container
            /docker/ID/docker/ID2                                                             | DOCKER     | ID2 | -   | false
            # ECS-style parent: bare id, runtime only guessed
            /ecs/5a1c0e6b2d2e4c5f/ID                                                          | DOCKER     | ID  | -   | true
            # containerd CRI, systemd driver (GKE, kubeadm defaults)
            /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podPOD_.slice/cri-containerd-ID.scope | CONTAINERD | ID | POD | false
            /kubepods.slice/kubepods-podPOD_.slice/cri-containerd-ID.scope                    | CONTAINERD | ID  | POD | false
            # containerd CRI (or cri-dockerd), cgroupfs driver: bare id under kubepods (the first is what
            # containerd 1.6 makes for cgroup_parent /kubepods/besteffort/pod<uid>, see CriEngineContainerdTest)
            /kubepods/besteffort/podPOD/ID                                                    | CONTAINERD | ID  | POD | true
            /kubepods/podPOD/ID                                                               | CONTAINERD | ID  | POD | true
            /kubepods/burstable/podPOD/ID                                                     | CONTAINERD | ID  | POD | true
            # kind: kubelet inside a docker container
            /docker/ID2/kubelet/kubepods/besteffort/podPOD/ID                                 | CONTAINERD | ID  | POD | true
            # cgroupsPath form (slice:prefix:name)
            /kubepods-besteffort-podPOD_.slice:cri-containerd:ID                              | CONTAINERD | ID  | POD | false
            /system.slice:docker:ID                                                           | DOCKER     | ID  | -   | false
            # cri-dockerd with the systemd driver
            /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podPOD_.slice/docker-ID.scope | DOCKER | ID | POD | false
            # CRI-O (OpenShift)
            /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podPOD_.slice/crio-ID.scope | CRIO  | ID  | POD | false
            /machine.slice/crio-ID.scope                                                      | CRIO       | ID  | -   | false
            # CRI-O, cgroupfs driver: crio-<id> without .scope, its conmon beside it
            /kubepods/besteffort/podPOD/crio-ID                                               | CRIO       | ID  | POD | false
            /kubepods/besteffort/podPOD/crio-conmon-ID                                        | -          | -   | -   | false
            # podman: systemd (rootful and rootless) and cgroupfs managers
            /machine.slice/libpod-ID.scope                                                    | PODMAN     | ID  | -   | false
            /machine.slice/libpod-ID.scope/container                                          | PODMAN     | ID  | -   | false
            /user.slice/user-1000.slice/user@1000.service/user.slice/libpod-ID.scope          | PODMAN     | ID  | -   | false
            /libpod_parent/libpod-ID                                                          | PODMAN     | ID  | -   | false
            # not containers
            /                                                                                 | -          | -   | -   | false
            /user.slice/user-1000.slice/session-3.scope                                       | -          | -   | -   | false
            /system.slice/docker.service                                                      | -          | -   | -   | false
            /system.slice/containerd.service                                                  | -          | -   | -   | false
            /machine.slice/crio-conmon-ID.scope                                               | -          | -   | -   | false
            /machine.slice/libpod-conmon-ID.scope                                             | -          | -   | -   | false
            /kubepods/besteffort/podPOD                                                       | -          | -   | -   | false
            /process_api/13228304f3258aeebc0e51893e7bb108                                     | -          | -   | -   | false
            # ids that are not 64 lowercase hex
            /docker/3f2a8e4c1d7b                                                              | -          | -   | -   | false
            /docker/3F2A8E4C1D7B9A0E5F6C2B8D4A1E7F3C9B0D5E2A8C4F1B7E3D9A6C0F2E8B4D1A          | -          | -   | -   | false
            """)
    void fromPath(String path, String runtime, String id, String podUid, boolean guessed) {
        Optional<Ref> ref = ContainerIds.fromPath(expand(path));
        if (runtime == null) {
            assertThat(ref).isEmpty();
        } else {
            assertThat(ref)
                    .contains(new Ref(
                            Runtime.valueOf(runtime), expand(id), podUid == null ? null : expand(podUid), guessed));
            assertThat(ref.get().shortId()).hasSize(12).isEqualTo(expand(id).substring(0, 12));
        }
    }

    /** leaf | runtime | guessed */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            ID                          | DOCKER     | true
            docker-ID.scope             | DOCKER     | false
            cri-containerd-ID.scope     | CONTAINERD | false
            crio-ID.scope               | CRIO       | false
            crio-ID                     | CRIO       | false
            crio-conmon-ID              | -          | false
            libpod-ID.scope             | PODMAN     | false
            crio-conmon-ID.scope        | -          | false
            init.scope                  | -          | false
            user.slice                  | -          | false
            docker                      | -          | false
            """)
    void fromLeaf(String leaf, String runtime, boolean guessed) {
        Optional<Ref> ref = ContainerIds.fromLeaf(expand(leaf));
        if (runtime == null) {
            assertThat(ref).isEmpty();
        } else {
            assertThat(ref).contains(new Ref(Runtime.valueOf(runtime), ID, null, guessed));
        }
    }

    @Test
    void emptyAndNullAreTheHost() {
        assertThat(ContainerIds.fromLeaf("")).isEmpty();
        assertThat(ContainerIds.fromLeaf(null)).isEmpty();
        assertThat(ContainerIds.fromPath(null)).isEmpty();
        assertThat(ContainerIds.fromProcCgroup(null)).isEmpty();
    }

    @Test
    void procCgroupOfAHybridHostPrefersTheV2Line() {
        // What /proc/PID/cgroup shows for a Docker (cgroupfs) container on this kind of VM.
        String content = """
                9:name=systemd:/docker/%1$s
                8:pids:/docker/%1$s
                4:memory:/docker/%1$s
                1:cpu:/docker/%1$s
                0::/docker/%1$s
                """.formatted(ID);
        assertThat(ContainerIds.fromProcCgroup(content)).contains(new Ref(Runtime.DOCKER, ID, null, false));
        assertThat(ContainerIds.v2Path(content)).isEqualTo("/docker/" + ID);
    }

    @Test
    void procCgroupOfAV1OnlyHostFallsBackToTheV1Lines() {
        String content = """
                12:memory:/kubepods/besteffort/pod%2$s/%1$s
                11:cpu,cpuacct:/kubepods/besteffort/pod%2$s/%1$s
                1:name=systemd:/kubepods/besteffort/pod%2$s/%1$s
                0::/
                """.formatted(ID, POD);
        assertThat(ContainerIds.fromProcCgroup(content)).contains(new Ref(Runtime.CONTAINERD, ID, POD, true));
    }

    @Test
    void procCgroupOfAHostProcess() {
        assertThat(ContainerIds.fromProcCgroup("0::/user.slice/user-0.slice/session-1.scope\n"))
                .isEmpty();
        assertThat(ContainerIds.fromProcCgroup("4:memory:/process_api/13228304f3258aeebc0e51893e7bb108\n0::/\n"))
                .isEmpty();
    }

    @Test
    void forPidReadsProc(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/cgroup"), "0::/system.slice/docker-" + ID + ".scope\n");
        assertThat(ContainerIds.forPid(proc, 42)).contains(new Ref(Runtime.DOCKER, ID, null, false));
        assertThat(ContainerIds.forPid(proc, 43)).isEmpty(); // gone
    }

    static String expand(String s) {
        return s.replace("POD_", POD_).replace("POD", POD).replace("ID2", ID2).replace("ID", ID);
    }
}
