package dev.jcri.server.play;

import dev.jcri.cri.v1.IDMapping;
import dev.jcri.cri.v1.Int64Value;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PortMapping;
import dev.jcri.cri.v1.Protocol;
import dev.jcri.cri.v1.SELinuxOption;
import dev.jcri.cri.v1.SecurityProfile;
import dev.jcri.cri.v1.UserNamespace;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Pod's RunPodSandbox config as kubelet builds it: metadata, kubelet's labels over the pod's, the pod's
 * annotations, hostname, log directory, DNS, port mappings of every container port, and the Linux part (pod
 * resources, sysctls, namespaces, user namespace, security context with the sandbox forced to RuntimeDefault
 * seccomp).
 */
final class PodTranslation {
    static final String POD_NAME = "io.kubernetes.pod.name";
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String POD_UID = "io.kubernetes.pod.uid";
    static final String CONTAINER_NAME = "io.kubernetes.container.name";
    /** kubelet's per-pod user namespace: 65536 IDs, container root mapped to the first. */
    static final int USERNS_LENGTH = 65536;

    private final NodeFacts node;

    PodTranslation(NodeFacts node) {
        this.node = node;
    }

    static String object(Pod pod) {
        return "pod \"" + pod.getMetadata().getNamespace() + "/"
                + pod.getMetadata().getName() + "\"";
    }

    /** @param usernsHostId the first host ID of the pod's user namespace ({@code hostUsers: false} only) */
    PodSandboxConfig sandbox(Pod pod, int attempt, long usernsHostId) throws PlayException {
        Map<String, String> labels = new LinkedHashMap<>(pod.getMetadata().getLabels());
        labels.put(POD_NAME, pod.getMetadata().getName());
        labels.put(POD_NAMESPACE, pod.getMetadata().getNamespace());
        labels.put(POD_UID, pod.getMetadata().getUid());
        PodSandboxConfig.Builder config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(pod.getMetadata().getName())
                        .setNamespace(pod.getMetadata().getNamespace())
                        .setUid(pod.getMetadata().getUid())
                        .setAttempt(attempt))
                .putAllLabels(labels)
                .putAllAnnotations(pod.getMetadata().getAnnotations())
                .setLogDirectory(logDirectory(pod))
                .setDnsConfig(PodDns.config(pod, node.hostDns(), node.clusterDns(), node.clusterDomain()))
                .addAllPortMappings(portMappings(pod));
        if (!hostNetwork(pod)) {
            config.setHostname(hostname(pod));
        }
        config.setLinux(linux(pod, usernsHostId));
        return config.build();
    }

    String logDirectory(Pod pod) {
        return node.podLogsRoot()
                .resolve(pod.getMetadata().getNamespace() + "_"
                        + pod.getMetadata().getName() + "_" + pod.getMetadata().getUid())
                .toString();
    }

    /** {@code spec.hostname} or the pod's name, cut to a DNS label. */
    static String hostname(Pod pod) {
        String name = pod.getSpec().getHostname();
        if (name == null || name.isEmpty()) {
            name = pod.getMetadata().getName();
        }
        if (name.length() > 63) {
            name = name.substring(0, 63);
            while (name.endsWith("-") || name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
        }
        return name;
    }

    /** Every port of every app container, host port or not, as kubelet lists them; a repeated name counts once. */
    static Iterable<PortMapping> portMappings(Pod pod) throws PlayException {
        java.util.List<PortMapping> mappings = new java.util.ArrayList<>();
        for (int c = 0; c < pod.getSpec().getContainers().size(); c++) {
            Container container = pod.getSpec().getContainers().get(c);
            Set<String> names = new HashSet<>();
            for (int p = 0; p < container.getPorts().size(); p++) {
                ContainerPort port = container.getPorts().get(p);
                String field = "spec.containers[" + c + "].ports[" + p + "]";
                if (port.getContainerPort() == null || port.getContainerPort() < 1 || port.getContainerPort() > 65535) {
                    throw PlayException.field(object(pod), field + ".containerPort", "must be 1-65535");
                }
                String hostIp = port.getHostIP() == null ? "" : port.getHostIP();
                String name = port.getName() != null && !port.getName().isEmpty()
                        ? port.getName()
                        : (hostIp.contains(":") ? "IPv6" : "IPv4") + "-" + port.getProtocol() + "-" + hostIp + ":"
                                + port.getContainerPort();
                if (!names.add(name)) {
                    continue;
                }
                mappings.add(PortMapping.newBuilder()
                        .setProtocol(protocol(pod, port.getProtocol(), field + ".protocol"))
                        .setContainerPort(port.getContainerPort())
                        .setHostPort(port.getHostPort() == null ? 0 : port.getHostPort())
                        .setHostIp(hostIp)
                        .build());
            }
        }
        return mappings;
    }

    private static Protocol protocol(Pod pod, String protocol, String field) throws PlayException {
        return switch (protocol) {
            case "TCP" -> Protocol.TCP;
            case "UDP" -> Protocol.UDP;
            case "SCTP" -> Protocol.SCTP;
            default -> throw PlayException.field(object(pod), field, "must be TCP, UDP or SCTP");
        };
    }

    private LinuxPodSandboxConfig linux(Pod pod, long usernsHostId) {
        PodSecurityContext sc = pod.getSpec().getSecurityContext();
        LinuxSandboxSecurityContext.Builder security = LinuxSandboxSecurityContext.newBuilder()
                .setPrivileged(hasPrivilegedContainer(pod))
                // kubelet runs every sandbox under RuntimeDefault, whatever the containers ask for.
                .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
                .setNamespaceOptions(namespaces(pod, usernsHostId));
        if (sc.getRunAsUser() != null) {
            security.setRunAsUser(Int64Value.newBuilder().setValue(sc.getRunAsUser()));
        }
        if (sc.getRunAsGroup() != null) {
            security.setRunAsGroup(Int64Value.newBuilder().setValue(sc.getRunAsGroup()));
        }
        if (sc.getFsGroup() != null) {
            security.addSupplementalGroups(sc.getFsGroup());
        }
        security.addAllSupplementalGroups(sc.getSupplementalGroups());
        if (sc.getSeLinuxOptions() != null) {
            security.setSelinuxOptions(selinux(sc.getSeLinuxOptions()));
        }
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (Sysctl sysctl : sc.getSysctls()) {
            sysctls.put(normalizeSysctl(sysctl.getName()), sysctl.getValue());
        }
        LinuxContainerResources resources = LinuxResources.sandbox(pod);
        return LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(security)
                .putAllSysctls(sysctls)
                .setResources(resources)
                .setOverhead(LinuxContainerResources.getDefaultInstance())
                .build();
    }

    /** {@code kernel/shm_rmid_forced} means {@code kernel.shm_rmid_forced}: slashes and dots swap when a slash leads. */
    static String normalizeSysctl(String name) {
        int slash = name.indexOf('/');
        int dot = name.indexOf('.');
        if (slash < 0 || (dot >= 0 && dot < slash)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            out.append(c == '/' ? '.' : c == '.' ? '/' : c);
        }
        return out.toString();
    }

    static SELinuxOption selinux(SELinuxOptions options) {
        return SELinuxOption.newBuilder()
                .setUser(orEmpty(options.getUser()))
                .setRole(orEmpty(options.getRole()))
                .setType(orEmpty(options.getType()))
                .setLevel(orEmpty(options.getLevel()))
                .build();
    }

    static boolean hasPrivilegedContainer(Pod pod) {
        return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .anyMatch(c -> c.getSecurityContext() != null
                        && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged()));
    }

    static NamespaceOption namespaces(Pod pod, long usernsHostId) {
        NamespaceMode pid = Boolean.TRUE.equals(pod.getSpec().getHostPID())
                ? NamespaceMode.NODE
                : Boolean.TRUE.equals(pod.getSpec().getShareProcessNamespace())
                        ? NamespaceMode.POD
                        : NamespaceMode.CONTAINER;
        UserNamespace.Builder userns = UserNamespace.newBuilder();
        if (Boolean.FALSE.equals(pod.getSpec().getHostUsers())) {
            IDMapping mapping = IDMapping.newBuilder()
                    .setHostId((int) usernsHostId)
                    .setContainerId(0)
                    .setLength(USERNS_LENGTH)
                    .build();
            userns.setMode(NamespaceMode.POD).addUids(mapping).addGids(mapping);
        } else {
            userns.setMode(NamespaceMode.NODE);
        }
        return NamespaceOption.newBuilder()
                .setNetwork(hostNetwork(pod) ? NamespaceMode.NODE : NamespaceMode.POD)
                .setPid(pid)
                .setIpc(Boolean.TRUE.equals(pod.getSpec().getHostIPC()) ? NamespaceMode.NODE : NamespaceMode.POD)
                .setUsernsOptions(userns)
                .build();
    }

    static boolean hostNetwork(Pod pod) {
        return Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
