package dev.jcri.server.play;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The defaults the API server writes into a Pod before kubelet ever sees it (there is none here), so that the
 * translation reads the same object kubelet would: restart and DNS policy, grace period, pull policy, port protocol,
 * host ports of host-network pods, requests defaulted to limits, probe timings, volume file modes, and a UID.
 */
final class PodDefaults {
    static final int DEFAULT_FILE_MODE = 0644;

    private PodDefaults() {}

    static void apply(Pod pod) {
        if (pod.getMetadata().getUid() == null || pod.getMetadata().getUid().isEmpty()) {
            // Like kubelet's static pods: the UID follows from the object, so a replay of the same file finds it.
            byte[] json = JsonMapper.shared().writeValueAsBytes(pod);
            pod.getMetadata().setUid(UUID.nameUUIDFromBytes(json).toString());
        }
        if (pod.getMetadata().getLabels() == null) {
            pod.getMetadata().setLabels(new LinkedHashMap<>());
        }
        if (pod.getMetadata().getAnnotations() == null) {
            pod.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            spec = new PodSpec();
            pod.setSpec(spec);
        }
        spec.setRestartPolicy(orDefault(spec.getRestartPolicy(), "Always"));
        spec.setDnsPolicy(orDefault(spec.getDnsPolicy(), "ClusterFirst"));
        if (spec.getTerminationGracePeriodSeconds() == null) {
            spec.setTerminationGracePeriodSeconds(30L);
        }
        if (spec.getSecurityContext() == null) {
            spec.setSecurityContext(new PodSecurityContext());
        }
        boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
        Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
                .forEach(c -> container(c, hostNetwork));
        for (Volume volume : spec.getVolumes()) {
            if (volume.getConfigMap() != null && volume.getConfigMap().getDefaultMode() == null) {
                volume.getConfigMap().setDefaultMode(DEFAULT_FILE_MODE);
            }
            if (volume.getSecret() != null && volume.getSecret().getDefaultMode() == null) {
                volume.getSecret().setDefaultMode(DEFAULT_FILE_MODE);
            }
            if (volume.getHostPath() != null && volume.getHostPath().getType() == null) {
                volume.getHostPath().setType("");
            }
        }
    }

    private static void container(Container c, boolean hostNetwork) {
        if (c.getImagePullPolicy() == null || c.getImagePullPolicy().isEmpty()) {
            c.setImagePullPolicy(latestTag(c.getImage()) ? "Always" : "IfNotPresent");
        }
        c.setTerminationMessagePath(orDefault(c.getTerminationMessagePath(), "/dev/termination-log"));
        c.setTerminationMessagePolicy(orDefault(c.getTerminationMessagePolicy(), "File"));
        for (ContainerPort port : c.getPorts()) {
            port.setProtocol(orDefault(port.getProtocol(), "TCP"));
            if (hostNetwork && (port.getHostPort() == null || port.getHostPort() == 0)) {
                port.setHostPort(port.getContainerPort());
            }
        }
        ResourceRequirements resources = c.getResources();
        if (resources == null) {
            resources = new ResourceRequirements();
            c.setResources(resources);
        }
        Map<String, Quantity> requests = new LinkedHashMap<>(mapOrEmpty(resources.getRequests()));
        mapOrEmpty(resources.getLimits()).forEach(requests::putIfAbsent);
        resources.setRequests(requests);
        resources.setLimits(new LinkedHashMap<>(mapOrEmpty(resources.getLimits())));
        for (Probe probe : new Probe[] {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()}) {
            if (probe != null) {
                probe(probe);
            }
        }
        List<EnvVar> env = new ArrayList<>(c.getEnv());
        for (EnvVar var : env) {
            if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
                var.getValueFrom()
                        .getFieldRef()
                        .setApiVersion(
                                orDefault(var.getValueFrom().getFieldRef().getApiVersion(), "v1"));
            }
        }
    }

    private static void probe(Probe probe) {
        if (probe.getTimeoutSeconds() == null) {
            probe.setTimeoutSeconds(1);
        }
        if (probe.getPeriodSeconds() == null) {
            probe.setPeriodSeconds(10);
        }
        if (probe.getSuccessThreshold() == null) {
            probe.setSuccessThreshold(1);
        }
        if (probe.getFailureThreshold() == null) {
            probe.setFailureThreshold(3);
        }
        if (probe.getInitialDelaySeconds() == null) {
            probe.setInitialDelaySeconds(0);
        }
        if (probe.getHttpGet() != null) {
            probe.getHttpGet().setPath(orDefault(probe.getHttpGet().getPath(), "/"));
            probe.getHttpGet().setScheme(orDefault(probe.getHttpGet().getScheme(), "HTTP"));
        }
    }

    /** The API server pulls {@code :latest} and untagged images always, everything else if not present. */
    static boolean latestTag(String image) {
        if (image == null || image.contains("@")) {
            return false;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon <= slash || image.substring(colon + 1).equals("latest");
    }

    private static <K, V> Map<K, V> mapOrEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
