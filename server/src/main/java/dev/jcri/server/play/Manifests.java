package dev.jcri.server.play;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Optional;

/** The objects of one manifest stream, in the order they came: the Pods to run and what they reference. */
public record Manifests(List<Pod> pods, List<ConfigMap> configMaps, List<Secret> secrets) {

    Optional<ConfigMap> configMap(String namespace, String name) {
        return configMaps.stream()
                .filter(c -> name.equals(c.getMetadata().getName())
                        && namespace.equals(c.getMetadata().getNamespace()))
                .findFirst();
    }

    Optional<Secret> secret(String namespace, String name) {
        return secrets.stream()
                .filter(s -> name.equals(s.getMetadata().getName())
                        && namespace.equals(s.getMetadata().getNamespace()))
                .findFirst();
    }
}
