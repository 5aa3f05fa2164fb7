package dev.peregrine.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * k8s/ as a cluster would receive it: each overlay rendered by {@code kubectl kustomize}, every
 * object parsed by fabric8's Kubernetes model, then checked for what a real apply would only
 * show later: images, probes, privileges, selectors that select, ports that exist.
 */
class KubernetesManifestsTest {
    /** What eBPF capture needs, and all the detector gets (docs/containers.md, "Privileges"). */
    static final Set<String> DETECTOR_CAPABILITIES = Set.of("BPF", "PERFMON", "SYS_PTRACE");

    static final String NAMESPACE = "peregrine";
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass");

    static DaemonSet detector(Manifests m) {
        return m.one(DaemonSet.class, "peregrine-detector");
    }

    static StatefulSet sidekick(Manifests m) {
        return m.one(StatefulSet.class, "peregrine-sidekick");
    }

    static Container container(PodTemplateSpec t, String name) {
        return t.getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    static List<PodTemplateSpec> podTemplates(Manifests m) {
        List<PodTemplateSpec> out = new ArrayList<>();
        m.all(DaemonSet.class).forEach(d -> out.add(d.getSpec().getTemplate()));
        m.all(StatefulSet.class).forEach(s -> out.add(s.getSpec().getTemplate()));
        return out;
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void everyObjectIsNamedLabelledAndInTheNamespace(String overlay) {
        Manifests m = Manifests.render(overlay);
        assertThat(m.objects()).hasSizeGreaterThanOrEqualTo(15);
        assertThat(m.one(Namespace.class, NAMESPACE).getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
        for (HasMetadata o : m.objects()) {
            String what = o.getKind() + " " + o.getMetadata().getName();
            assertThat(o.getMetadata().getName()).as(what).isNotBlank();
            assertThat(o.getMetadata().getLabels()).as(what).containsEntry("app.kubernetes.io/part-of", "peregrine");
            if (CLUSTER_SCOPED.contains(o.getKind())) {
                assertThat(o.getMetadata().getNamespace()).as(what).isNull();
            } else {
                assertThat(o.getMetadata().getNamespace()).as(what).isEqualTo(NAMESPACE);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void podsRunTheProductsImagesAtTheProjectVersion(String overlay) {
        Manifests m = Manifests.render(overlay);
        assertThat(container(detector(m).getSpec().getTemplate(), "detector").getImage())
                .isEqualTo("peregrine/detector:" + Repository.VERSION);
        assertThat(container(sidekick(m).getSpec().getTemplate(), "sidekick").getImage())
                .isEqualTo("peregrine/sidekick:" + Repository.VERSION);
        for (PodTemplateSpec t : podTemplates(m)) {
            for (Container c : allContainers(t.getSpec())) {
                assertThat(c.getImage()).as(c.getName()).startsWith("peregrine/");
                // Images made locally must not be pulled (kind load / ctr import), pushed ones may be.
                assertThat(c.getImagePullPolicy()).as(c.getName()).isEqualTo("IfNotPresent");
            }
        }
    }

    static List<Container> allContainers(PodSpec spec) {
        return Stream.concat(
                        spec.getInitContainers() == null ? Stream.empty() : spec.getInitContainers().stream(),
                        spec.getContainers().stream())
                .toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void everyContainerHasProbesOnADeclaredPortAndBoundedResources(String overlay) {
        Manifests m = Manifests.render(overlay);
        for (PodTemplateSpec t : podTemplates(m)) {
            for (Container c : t.getSpec().getContainers()) {
                Set<String> ports =
                        c.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());
                for (Probe p : new Probe[] {c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe()}) {
                    assertThat(p).as(c.getName() + " probes").isNotNull();
                    assertThat(p.getHttpGet()).as(c.getName()).isNotNull();
                    assertThat(ports)
                            .as(c.getName())
                            .contains(p.getHttpGet().getPort().getStrVal());
                }
                Map<String, Quantity> requests = c.getResources().getRequests();
                Map<String, Quantity> limits = c.getResources().getLimits();
                for (String r : List.of("cpu", "memory")) {
                    assertThat(requests).as(c.getName() + " requests").containsKey(r);
                    assertThat(limits).as(c.getName() + " limits").containsKey(r);
                    assertThat(Quantity.getAmountInBytes(requests.get(r)))
                            .as(c.getName() + " " + r)
                            .isLessThanOrEqualTo(Quantity.getAmountInBytes(limits.get(r)));
                }
            }
        }
        Container d = container(detector(m).getSpec().getTemplate(), "detector");
        assertThat(d.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/metrics");
        assertThat(d.getPorts())
                .singleElement()
                .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8765));
        Container s = container(sidekick(m).getSpec().getTemplate(), "sidekick");
        assertThat(s.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
        assertThat(s.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void theDetectorGetsExactlyWhatCaptureNeedsAndNoMore(String overlay) {
        Manifests m = Manifests.render(overlay);
        PodSpec pod = detector(m).getSpec().getTemplate().getSpec();
        Container c = container(detector(m).getSpec().getTemplate(), "detector");
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isNull();
        });
        var sc = c.getSecurityContext();
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).containsExactlyInAnyOrderElementsOf(DETECTOR_CAPABILITIES);

        // Host paths: exactly these, and only the node spool writable.
        Map<String, String> hostPaths = pod.getVolumes().stream()
                .filter(v -> v.getHostPath() != null)
                .collect(Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath()));
        assertThat(hostPaths)
                .containsOnly(
                        Map.entry("spool", "/var/lib/peregrine-detector"),
                        Map.entry("tracefs", "/sys/kernel/tracing"),
                        Map.entry("cgroup", "/sys/fs/cgroup"),
                        Map.entry("passwd", "/etc/passwd"),
                        Map.entry("group", "/etc/group"),
                        Map.entry("containerd", "/run/containerd"),
                        Map.entry("k3s-containerd", "/run/k3s/containerd"),
                        Map.entry("crio", "/run/crio"));
        Map<String, VolumeMount> mounts =
                c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName, v -> v));
        assertThat(mounts.keySet()).containsAll(hostPaths.keySet());
        hostPaths.keySet().stream()
                .filter(n -> !n.equals("spool"))
                .forEach(n -> assertThat(mounts.get(n).getReadOnly()).as(n).isTrue());
        assertThat(mounts.get("spool").getMountPath()).isEqualTo("/var/lib/peregrine");

        // It sends to the sidekick's Service, on the port named grpc.
        List<String> args = c.getArgs();
        assertThat(args.getFirst()).isEqualTo("run");
        String target = args.get(args.indexOf("--sidekick") + 1);
        Service svc = m.one(Service.class, target.substring(0, target.indexOf(':')));
        assertThat(svc.getSpec().getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("grpc");
            assertThat(p.getPort()).isEqualTo(Integer.parseInt(target.substring(target.indexOf(':') + 1)));
        });
        assertThat(args.get(args.indexOf("--spool-dir") + 1)).startsWith("/var/lib/peregrine/");
        // Its rules files: the image's, then the ConfigMap's, mounted where the arguments say.
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals("-r")) rules.add(args.get(i + 1));
        }
        assertThat(rules)
                .containsExactly("/etc/peregrine/rules/falco_rules.yaml", "/etc/peregrine/rules.d/custom_rules.yaml");
        String configMap = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("rules"))
                .findFirst()
                .orElseThrow()
                .getConfigMap()
                .getName();
        assertThat(m.one(ConfigMap.class, configMap).getData()).containsKey("custom_rules.yaml");
        assertThat(mounts.get("rules").getMountPath()).isEqualTo("/etc/peregrine/rules.d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void theSidekickRunsAsNonRootOnItsOwnVolume(String overlay) {
        Manifests m = Manifests.render(overlay);
        StatefulSet set = sidekick(m);
        PodSpec pod = set.getSpec().getTemplate().getSpec();
        Container c = container(set.getSpec().getTemplate(), "sidekick");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getVolumes())
                .allSatisfy(v -> assertThat(v.getHostPath()).as(v.getName()).isNull());
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();

        Map<String, String> mountPaths =
                c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
        assertThat(set.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(pvc -> {
            assertThat(mountPaths.get(pvc.getMetadata().getName())).isEqualTo("/var/lib/peregrine");
            assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
            assertThat(pvc.getSpec().getResources().getRequests()).containsKey("storage");
        });
        assertThat(mountPaths)
                .containsEntry("tmp", "/tmp")
                .containsEntry("config", "/etc/peregrine/application.yml")
                .containsEntry("secrets", "/etc/peregrine/secrets");

        // application.yml from the ConfigMap, credentials from an optional Secret.
        String configMap = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("config"))
                .findFirst()
                .orElseThrow()
                .getConfigMap()
                .getName();
        Map<String, Object> application =
                new Yaml().load(m.one(ConfigMap.class, configMap).getData().get("application.yml"));
        assertThat(application).containsKey("peregrine");
        assertThat(c.getEnvFrom()).anySatisfy(e -> {
            assertThat(e.getSecretRef().getName()).isEqualTo("peregrine-sidekick-outputs");
            assertThat(e.getSecretRef().getOptional()).isTrue();
        });
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("secrets");
            assertThat(v.getSecret().getSecretName()).isEqualTo("peregrine-sidekick-outputs");
            assertThat(v.getSecret().getOptional()).isTrue();
        });
        // The Secret's files are read as properties (a config tree).
        assertThat(c.getEnv())
                .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue())
                        .isEqualTo("SPRING_CONFIG_IMPORT=optional:configtree:/etc/peregrine/secrets/"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void servicesBudgetsAndPoliciesSelectThePodsTheyMean(String overlay) {
        Manifests m = Manifests.render(overlay);
        Map<String, String> detectorLabels =
                detector(m).getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> sidekickLabels =
                sidekick(m).getSpec().getTemplate().getMetadata().getLabels();
        assertThat(selects(detector(m).getSpec().getSelector().getMatchLabels(), detectorLabels))
                .isTrue();
        assertThat(selects(sidekick(m).getSpec().getSelector().getMatchLabels(), sidekickLabels))
                .isTrue();
        assertThat(sidekick(m).getSpec().getServiceName()).satisfies(n -> m.one(Service.class, n));

        for (Service s : m.all(Service.class)) {
            List<PodTemplateSpec> selected = podTemplates(m).stream()
                    .filter(t ->
                            selects(s.getSpec().getSelector(), t.getMetadata().getLabels()))
                    .toList();
            assertThat(selected)
                    .as("pods of Service " + s.getMetadata().getName())
                    .hasSize(1);
            Set<String> portNames = selected.getFirst().getSpec().getContainers().stream()
                    .flatMap(c -> c.getPorts().stream())
                    .map(ContainerPort::getName)
                    .collect(Collectors.toSet());
            for (ServicePort p : s.getSpec().getPorts()) {
                assertThat(portNames)
                        .as(s.getMetadata().getName())
                        .contains(p.getTargetPort().getStrVal());
            }
        }

        PodDisruptionBudget pdb = m.one(PodDisruptionBudget.class, "peregrine-sidekick");
        assertThat(selects(pdb.getSpec().getSelector().getMatchLabels(), sidekickLabels))
                .isTrue();
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

        // Only detectors reach the gRPC port: every rule that admits 2803 names the detectors'
        // pods and nothing else; no rule admits every port.
        NetworkPolicy np = m.one(NetworkPolicy.class, "peregrine-sidekick");
        assertThat(selects(np.getSpec().getPodSelector().getMatchLabels(), sidekickLabels))
                .isTrue();
        assertThat(np.getSpec().getPolicyTypes()).contains("Ingress");
        List<NetworkPolicyIngressRule> grpcRules = new ArrayList<>();
        for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
            assertThat(r.getPorts()).as("a rule without ports admits them all").isNotEmpty();
            if (r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == 2803)) {
                grpcRules.add(r);
            }
        }
        assertThat(grpcRules).singleElement().satisfies(r -> {
            assertThat(r.getFrom()).isNotEmpty();
            for (NetworkPolicyPeer peer : r.getFrom()) {
                assertThat(peer.getIpBlock()).isNull();
                assertThat(peer.getNamespaceSelector()).isNull();
                assertThat(selects(peer.getPodSelector().getMatchLabels(), detectorLabels))
                        .isTrue();
                assertThat(selects(peer.getPodSelector().getMatchLabels(), sidekickLabels))
                        .isFalse();
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void rbacOnlyReadsAndIsBoundToTheDetectorsAccount(String overlay) {
        Manifests m = Manifests.render(overlay);
        ClusterRole role = m.one(ClusterRole.class, "peregrine-detector");
        assertThat(role.getRules()).allSatisfy(r -> {
            assertThat(r.getVerbs()).isSubsetOf("get", "list", "watch");
            assertThat(r.getResources()).contains("pods").doesNotContain("secrets", "*");
        });
        ClusterRoleBinding binding = m.one(ClusterRoleBinding.class, "peregrine-detector");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName())
                    .isEqualTo(detector(m).getSpec().getTemplate().getSpec().getServiceAccountName());
            assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
        });
        m.one(
                io.fabric8.kubernetes.api.model.ServiceAccount.class,
                binding.getSubjects().getFirst().getName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"small", "large"})
    void serviceMonitorsScrapeEachPodOnceUnderTheJobNamesTheRulesUse(String overlay) {
        Manifests m = Manifests.render(overlay);
        assertThat(m.all(ServiceMonitor.class)).hasSize(2);
        for (ServiceMonitor sm : m.all(ServiceMonitor.class)) {
            List<Service> selected = m.all(Service.class).stream()
                    .filter(s -> selects(
                            sm.getSpec().getSelector().getMatchLabels(),
                            s.getMetadata().getLabels()))
                    .toList();
            // The job label is the Service's name: the one the alerting rules filter on.
            assertThat(selected)
                    .as(sm.getMetadata().getName())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getMetadata().getName())
                            .isEqualTo(sm.getMetadata().getName()));
            Set<String> ports = selected.getFirst().getSpec().getPorts().stream()
                    .map(ServicePort::getName)
                    .collect(Collectors.toSet());
            assertThat(sm.getSpec().getEndpoints())
                    .allSatisfy(e -> assertThat(ports).contains(e.getPort()));
        }
        assertThat(m.one(ServiceMonitor.class, "peregrine-sidekick")
                        .getSpec()
                        .getEndpoints()
                        .getFirst()
                        .getPath())
                .isEqualTo("/actuator/prometheus");
        String rules = Repository.read("monitoring/peregrine-alerts.yml");
        assertThat(rules).contains("job=\"peregrine-detector\"").contains("job=\"peregrine-sidekick\"");
    }

    @Test
    void theLargeOverlayIsTheLargerOne() {
        Manifests small = Manifests.render("small");
        Manifests large = Manifests.render("large");
        assertThat(sidekick(small).getSpec().getReplicas()).isEqualTo(1);
        assertThat(sidekick(large).getSpec().getReplicas()).isEqualTo(2);
        assertThat(storage(large)).isGreaterThan(storage(small));
        for (String r : List.of("cpu", "memory")) {
            assertThat(request(large, r, true)).as("detector " + r).isGreaterThan(request(small, r, true));
            assertThat(request(large, r, false)).as("sidekick " + r).isGreaterThan(request(small, r, false));
        }
        // Two replicas on two nodes, and detectors scheduled before ordinary pods.
        assertThat(sidekick(large)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity()
                        .getPodAntiAffinity())
                .isNotNull();
        String priority = detector(large).getSpec().getTemplate().getSpec().getPriorityClassName();
        assertThat(large.one(PriorityClass.class, priority).getValue()).isGreaterThan(0);
        assertThat(small.all(PriorityClass.class)).isEmpty();
    }

    static java.math.BigDecimal storage(Manifests m) {
        return Quantity.getAmountInBytes(sidekick(m)
                .getSpec()
                .getVolumeClaimTemplates()
                .getFirst()
                .getSpec()
                .getResources()
                .getRequests()
                .get("storage"));
    }

    static java.math.BigDecimal request(Manifests m, String resource, boolean detector) {
        PodTemplateSpec t = detector
                ? detector(m).getSpec().getTemplate()
                : sidekick(m).getSpec().getTemplate();
        Container c = container(t, detector ? "detector" : "sidekick");
        return Quantity.getAmountInBytes(c.getResources().getRequests().get(resource));
    }

    @Test
    void theCustomRulesConfigMapLoadsAfterFalcosStableRules(@TempDir Path dir) throws Exception {
        Manifests m = Manifests.render("small");
        PodSpec pod = detector(m).getSpec().getTemplate().getSpec();
        String configMap = pod.getVolumes().stream()
                .filter(v -> v.getName().equals("rules"))
                .findFirst()
                .orElseThrow()
                .getConfigMap()
                .getName();
        Path custom = dir.resolve("custom_rules.yaml");
        Files.writeString(custom, m.one(ConfigMap.class, configMap).getData().get("custom_rules.yaml"));
        String out = Repository.run(
                Duration.ofMinutes(2),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Repository.file("detector/target/detector.jar").toString(),
                "rules",
                "validate",
                Repository.file("detector/src/main/resources/rules/falco_rules.yaml")
                        .toString(),
                custom.toString());
        assertThat(out).contains("rules loaded");
    }
}
