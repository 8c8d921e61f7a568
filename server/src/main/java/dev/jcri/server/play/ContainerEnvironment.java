package dev.jcri.server.play;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A container's environment as kubelet resolves it: {@code envFrom} first, then {@code env} in order, each value
 * with {@code $(VAR)} references to variables defined before it expanded, {@code valueFrom} read from the ConfigMaps
 * and Secrets of the manifest, the downward API fields kubelet fills itself, and resource fields. Command and
 * args are expanded against the result the same way.
 */
final class ContainerEnvironment {
    private static final Pattern FIELD_KEY = Pattern.compile("metadata\\.(labels|annotations)\\['(.*)'\\]");

    private ContainerEnvironment() {}

    /** What kubelet knows of the node and the running sandbox when it starts a container. */
    record PodFacts(String podIp, List<String> podIps, String hostIp, String nodeName, int nodeCpus, long nodeMemory) {}

    static Map<String, String> resolve(Pod pod, Container container, String field, Manifests manifests, PodFacts facts)
            throws PlayException {
        String object = PodTranslation.object(pod);
        String namespace = pod.getMetadata().getNamespace();
        Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        for (EnvFromSource from : container.getEnvFrom()) {
            String where = field + ".envFrom[" + i++ + "]";
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            if (from.getConfigMapRef() != null) {
                Optional<ConfigMap> map =
                        manifests.configMap(namespace, from.getConfigMapRef().getName());
                if (map.isEmpty()) {
                    if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        throw missing(
                                object,
                                where + ".configMapRef",
                                "configmap",
                                namespace,
                                from.getConfigMapRef().getName());
                    }
                } else {
                    configMapData(map.get()).forEach((k, v) -> env.put(prefix + k, v));
                }
            }
            if (from.getSecretRef() != null) {
                Optional<Secret> secret =
                        manifests.secret(namespace, from.getSecretRef().getName());
                if (secret.isEmpty()) {
                    if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        throw missing(
                                object,
                                where + ".secretRef",
                                "secret",
                                namespace,
                                from.getSecretRef().getName());
                    }
                } else {
                    secretData(secret.get()).forEach((k, v) -> env.put(prefix + k, utf8(v)));
                }
            }
        }
        i = 0;
        for (EnvVar var : container.getEnv()) {
            String where = field + ".env[" + i++ + "]";
            if (var.getValueFrom() == null) {
                env.put(var.getName(), expand(var.getValue() == null ? "" : var.getValue(), env));
                continue;
            }
            String value = valueFrom(pod, container, var.getValueFrom(), where + ".valueFrom", manifests, facts);
            if (value != null) {
                env.put(var.getName(), value);
            }
        }
        return env;
    }

    private static String valueFrom(
            Pod pod, Container container, EnvVarSource source, String where, Manifests manifests, PodFacts facts)
            throws PlayException {
        String object = PodTranslation.object(pod);
        String namespace = pod.getMetadata().getNamespace();
        if (source.getFieldRef() != null) {
            return fieldRef(pod, source.getFieldRef().getFieldPath(), where + ".fieldRef.fieldPath", facts);
        }
        if (source.getResourceFieldRef() != null) {
            return resourceField(pod, container, source.getResourceFieldRef(), where + ".resourceFieldRef", facts);
        }
        if (source.getConfigMapKeyRef() != null) {
            var ref = source.getConfigMapKeyRef();
            Optional<ConfigMap> map = manifests.configMap(namespace, ref.getName());
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            if (map.isEmpty()) {
                if (optional) {
                    return null;
                }
                throw missing(object, where + ".configMapKeyRef", "configmap", namespace, ref.getName());
            }
            String value = configMapData(map.get()).get(ref.getKey());
            if (value == null && !optional) {
                throw PlayException.field(
                        object,
                        where + ".configMapKeyRef.key",
                        "configmap \"" + namespace + "/" + ref.getName() + "\" has no key \"" + ref.getKey() + "\"");
            }
            return value;
        }
        if (source.getSecretKeyRef() != null) {
            var ref = source.getSecretKeyRef();
            Optional<Secret> secret = manifests.secret(namespace, ref.getName());
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            if (secret.isEmpty()) {
                if (optional) {
                    return null;
                }
                throw missing(object, where + ".secretKeyRef", "secret", namespace, ref.getName());
            }
            byte[] value = secretData(secret.get()).get(ref.getKey());
            if (value == null && !optional) {
                throw PlayException.field(
                        object,
                        where + ".secretKeyRef.key",
                        "secret \"" + namespace + "/" + ref.getName() + "\" has no key \"" + ref.getKey() + "\"");
            }
            return value == null ? null : utf8(value);
        }
        throw PlayException.field(object, where, "is not supported by jcri play");
    }

    private static String fieldRef(Pod pod, String path, String where, PodFacts facts) throws PlayException {
        Matcher keyed = FIELD_KEY.matcher(path == null ? "" : path);
        if (keyed.matches()) {
            Map<String, String> map = keyed.group(1).equals("labels")
                    ? pod.getMetadata().getLabels()
                    : pod.getMetadata().getAnnotations();
            return map.getOrDefault(keyed.group(2), "");
        }
        return switch (path == null ? "" : path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "spec.nodeName" -> facts.nodeName();
            case "spec.serviceAccountName" -> orEmpty(pod.getSpec().getServiceAccountName());
            case "status.hostIP", "status.hostIPs" -> facts.hostIp();
            case "status.podIP" -> facts.podIp();
            case "status.podIPs" -> String.join(",", facts.podIps());
            default ->
                throw PlayException.field(PodTranslation.object(pod), where, "unsupported field path \"" + path + "\"");
        };
    }

    private static String resourceField(
            Pod pod, Container self, ResourceFieldSelector selector, String where, PodFacts facts)
            throws PlayException {
        Container container = self;
        if (selector.getContainerName() != null && !selector.getContainerName().isEmpty()) {
            container = Stream.concat(
                            pod.getSpec().getContainers().stream(), pod.getSpec().getInitContainers().stream())
                    .filter(c -> c.getName().equals(selector.getContainerName()))
                    .findFirst()
                    .orElseThrow(() -> PlayException.field(
                            PodTranslation.object(pod),
                            where + ".containerName",
                            "no container \"" + selector.getContainerName() + "\""));
        }
        String resource = selector.getResource() == null ? "" : selector.getResource();
        int dot = resource.indexOf('.');
        if (dot < 0) {
            throw PlayException.field(
                    PodTranslation.object(pod), where + ".resource", "unsupported \"" + resource + "\"");
        }
        Map<String, Quantity> map = resource.startsWith("limits.")
                ? container.getResources().getLimits()
                : container.getResources().getRequests();
        String name = resource.substring(dot + 1);
        Quantity quantity = map.get(name);
        BigDecimal value;
        if (quantity != null) {
            value = Quantity.getAmountInBytes(quantity);
        } else if (name.equals("cpu")) {
            // Without a limit kubelet answers the node's allocatable capacity.
            value = resource.startsWith("limits.") ? BigDecimal.valueOf(facts.nodeCpus()) : BigDecimal.ZERO;
        } else if (name.equals("memory")) {
            value = resource.startsWith("limits.") ? BigDecimal.valueOf(facts.nodeMemory()) : BigDecimal.ZERO;
        } else {
            value = BigDecimal.ZERO;
        }
        BigDecimal divisor =
                selector.getDivisor() == null ? BigDecimal.ONE : Quantity.getAmountInBytes(selector.getDivisor());
        if (divisor.signum() == 0) {
            divisor = BigDecimal.ONE;
        }
        return value.divide(divisor, 0, RoundingMode.CEILING).toPlainString();
    }

    /** kubelet's $(VAR) expansion: defined names are replaced, $$ is a literal $, anything else stays as written. */
    static String expand(String input, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (c != '$' || i + 1 >= input.length()) {
                out.append(c);
                i++;
                continue;
            }
            char next = input.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '(') {
                int close = input.indexOf(')', i + 2);
                if (close < 0) {
                    out.append(input, i, input.length());
                    break;
                }
                String name = input.substring(i + 2, close);
                String value = env.get(name);
                out.append(value != null ? value : "$(" + name + ")");
                i = close + 1;
            } else {
                out.append(c).append(next);
                i += 2;
            }
        }
        return out.toString();
    }

    static Map<String, String> configMapData(ConfigMap map) {
        Map<String, String> data = new LinkedHashMap<>();
        if (map.getData() != null) {
            data.putAll(map.getData());
        }
        if (map.getBinaryData() != null) {
            map.getBinaryData()
                    .forEach((k, v) -> data.put(k, utf8(Base64.getMimeDecoder().decode(v))));
        }
        return data;
    }

    /** A secret's keys, {@code data} base64-decoded and {@code stringData} over it as the API server merges them. */
    static Map<String, byte[]> secretData(Secret secret) {
        Map<String, byte[]> data = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData()
                    .forEach((k, v) -> data.put(k, Base64.getMimeDecoder().decode(v)));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return data;
    }

    private static PlayException missing(String object, String where, String kind, String namespace, String name) {
        return PlayException.field(object, where, kind + " \"" + namespace + "/" + name + "\" is not in the manifest");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
