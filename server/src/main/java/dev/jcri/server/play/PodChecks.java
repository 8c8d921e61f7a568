package dev.jcri.server.play;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the API server would refuse, and what of the Pod spec jcri play cannot honour, found before anything is
 * created; each message names the field.
 */
final class PodChecks {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private PodChecks() {}

    static void check(Pod pod) throws PlayException {
        String object = PodTranslation.object(pod);
        PodSpec spec = pod.getSpec();
        if (spec.getContainers().isEmpty()) {
            throw PlayException.field(object, "spec.containers", "at least one container is required");
        }
        if (!List.of("Always", "OnFailure", "Never").contains(spec.getRestartPolicy())) {
            throw PlayException.field(object, "spec.restartPolicy", "must be Always, OnFailure or Never");
        }
        if (!List.of("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
                .contains(spec.getDnsPolicy())) {
            throw PlayException.field(
                    object, "spec.dnsPolicy", "must be ClusterFirst, ClusterFirstWithHostNet, Default or None");
        }
        unsupported(
                object,
                "spec.ephemeralContainers",
                !spec.getEphemeralContainers().isEmpty());
        unsupported(object, "spec.resourceClaims", !spec.getResourceClaims().isEmpty());
        unsupported(
                object,
                "spec.os.name",
                spec.getOs() != null && "windows".equals(spec.getOs().getName()));
        unsupported(object, "spec.resources", spec.getResources() != null);
        Set<String> names = new HashSet<>();
        check(object, spec.getInitContainers(), "spec.initContainers", names, true);
        check(object, spec.getContainers(), "spec.containers", names, false);
        Set<String> volumes = new HashSet<>();
        for (int i = 0; i < spec.getVolumes().size(); i++) {
            Volume v = spec.getVolumes().get(i);
            if (v.getName() == null || !volumes.add(v.getName())) {
                throw PlayException.field(object, "spec.volumes[" + i + "].name", "is missing or repeated");
            }
        }
    }

    private static void check(String object, List<Container> containers, String list, Set<String> names, boolean init)
            throws PlayException {
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            String field = list + "[" + i + "]";
            if (c.getName() == null
                    || !DNS_LABEL.matcher(c.getName()).matches()
                    || c.getName().length() > 63) {
                throw PlayException.field(object, field + ".name", "must be a DNS label (a-z, 0-9, '-')");
            }
            if (!names.add(c.getName())) {
                throw PlayException.field(object, field + ".name", "\"" + c.getName() + "\" is used twice");
            }
            if (c.getImage() == null || c.getImage().isEmpty()) {
                throw PlayException.field(object, field + ".image", "is required");
            }
            if (!List.of("Always", "IfNotPresent", "Never").contains(c.getImagePullPolicy())) {
                throw PlayException.field(object, field + ".imagePullPolicy", "must be Always, IfNotPresent or Never");
            }
            unsupported(object, field + ".restartPolicy (sidecar containers)", init && c.getRestartPolicy() != null);
            unsupported(object, field + ".volumeDevices", !c.getVolumeDevices().isEmpty());
            Probe[] probes = {c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()};
            String[] kinds = {"livenessProbe", "readinessProbe", "startupProbe"};
            for (int p = 0; p < probes.length; p++) {
                if (probes[p] != null) {
                    unsupported(object, field + "." + kinds[p] + ".grpc", probes[p].getGrpc() != null);
                    if (probes[p].getExec() == null
                            && probes[p].getHttpGet() == null
                            && probes[p].getTcpSocket() == null
                            && probes[p].getGrpc() == null) {
                        throw PlayException.field(
                                object, field + "." + kinds[p], "names no exec, httpGet or tcpSocket");
                    }
                }
            }
        }
    }

    private static void unsupported(String object, String field, boolean present) throws PlayException {
        if (present) {
            throw PlayException.field(object, field, "is not supported by jcri play");
        }
    }
}
