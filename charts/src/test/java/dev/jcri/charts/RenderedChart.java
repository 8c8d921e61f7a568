package dev.jcri.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart {@code charts/jcri} rendered by Helm ({@code helm template} through helm-java), every object parsed into
 * the fabric8 Kubernetes model: the kinds the chart makes as their typed classes, anything else (the RBAC kinds,
 * whose model module the tests do not need) as a generic resource.
 */
final class RenderedChart {
    static final Path CHART = Path.of(System.getProperty("jcri.chart", "jcri")).toAbsolutePath();

    /** helm template assumes Kubernetes 1.20 otherwise, older than the chart accepts. */
    static final String KUBE_VERSION = "v1.33.0";

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "DaemonSet", DaemonSet.class,
            "ConfigMap", ConfigMap.class,
            "Service", Service.class,
            "ServiceAccount", ServiceAccount.class,
            "RuntimeClass", RuntimeClass.class);

    private final List<HasMetadata> objects;

    private RenderedChart(List<HasMetadata> objects) {
        this.objects = objects;
    }

    /** Renders with the chart's defaults overridden by {@code values} ({@code --set key=value} each). */
    static RenderedChart render(Map<String, Object> values) {
        TemplateCommand template = new Helm(CHART)
                .template()
                .withName("jcri")
                .withNamespace("kube-system")
                .withKubeVersion(KUBE_VERSION);
        values.forEach(template::set);
        return parse(template.call());
    }

    static RenderedChart parse(String manifests) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue; // the "# Source: ..." line of a template that rendered nothing
            }
            Object tree = YAML.readValue(document, Object.class);
            if (!(tree instanceof Map<?, ?> map) || map.isEmpty()) {
                continue;
            }
            String kind = String.valueOf(map.get("kind"));
            Class<? extends HasMetadata> type = KINDS.getOrDefault(kind, GenericKubernetesResource.class);
            objects.add(JSON.convertValue(map, type));
        }
        return new RenderedChart(objects);
    }

    List<HasMetadata> objects() {
        return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", rendered " + found.size());
        }
        return found.getFirst();
    }

    Optional<HasMetadata> kind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.getKind())).findFirst();
    }
}
