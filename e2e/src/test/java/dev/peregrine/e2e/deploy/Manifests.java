package dev.peregrine.e2e.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An overlay of k8s/ as {@code kubectl apply -k} would send it: rendered by kubectl's own
 * kustomize, every document parsed into fabric8's typed Kubernetes (and Prometheus Operator)
 * objects. A document of a kind the model does not know fails the parse.
 */
record Manifests(String overlay, String yaml, List<HasMetadata> objects) {
    private static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

    /** The overlay k8s/overlays/{@code overlay}, rendered once per test run. */
    static Manifests render(String overlay) {
        return RENDERED.computeIfAbsent(overlay, Manifests::renderNow);
    }

    private static Manifests renderNow(String overlay) {
        String kubectl = Repository.tool("kubectl", "kubectl 1.27 or later, with kustomize built in");
        String yaml = Repository.run(
                Duration.ofMinutes(1),
                kubectl,
                "kustomize",
                Repository.file("k8s/overlays/" + overlay).toString());
        Object parsed = new KubernetesSerialization().unmarshal(yaml);
        List<HasMetadata> objects = new ArrayList<>();
        if (parsed instanceof KubernetesList list) {
            objects.addAll(list.getItems());
        } else if (parsed instanceof List<?> list) {
            for (Object o : list) {
                objects.add(asObject(o));
            }
        } else {
            objects.add(asObject(parsed));
        }
        return new Manifests(overlay, yaml, List.copyOf(objects));
    }

    private static HasMetadata asObject(Object o) {
        if (o instanceof HasMetadata m && !(o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource)) {
            return m;
        }
        throw new AssertionError("not a kind the Kubernetes model knows (typo in apiVersion or kind?): " + o);
    }

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> kind, String name) {
        return find(kind, name)
                .orElseThrow(() -> new AssertionError(overlay + ": no " + kind.getSimpleName() + " named " + name));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> kind, String name) {
        return all(kind).stream()
                .filter(o -> name.equals(o.getMetadata().getName()))
                .findFirst();
    }
}
