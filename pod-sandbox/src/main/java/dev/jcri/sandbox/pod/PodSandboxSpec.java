package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.ns.UserMappings;
import java.util.List;
import java.util.Map;

/**
 * What a pod asks for, as the server translated it from the CRI {@code PodSandboxConfig}: plain Java, so that the
 * domain does not depend on the wire contract.
 *
 * @param hostname empty means the pod name
 * @param cgroupParent kubelet's cgroup parent, empty for jcri's own
 */
public record PodSandboxSpec(
        String name,
        String namespace,
        String uid,
        long attempt,
        String hostname,
        String logDirectory,
        Dns dns,
        List<PortMapping> portMappings,
        Map<String, String> labels,
        Map<String, String> annotations,
        String cgroupParent,
        Map<String, String> sysctls,
        Namespaces namespaces,
        String runtimeHandler) {

    public PodSandboxSpec {
        portMappings = List.copyOf(portMappings);
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        sysctls = Map.copyOf(sysctls);
    }

    /** Nameservers, search domains and resolver options; all empty means the host's resolv.conf. */
    public record Dns(List<String> servers, List<String> searches, List<String> options) {
        public Dns {
            servers = List.copyOf(servers);
            searches = List.copyOf(searches);
            options = List.copyOf(options);
        }

        public boolean isEmpty() {
            return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
        }
    }

    /** A hostPort: protocol TCP, UDP or SCTP. */
    public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {}

    /** CRI namespace modes: POD (the pod's own), CONTAINER (PID only), NODE (the host's). */
    public enum Mode {
        POD,
        CONTAINER,
        NODE,
        TARGET
    }

    /** @param users the pod's user namespace mappings; null for host users (the node's user namespace) */
    public record Namespaces(Mode network, Mode pid, Mode ipc, UserMappings users) {
        public boolean ownUsers() {
            return users != null;
        }

        public boolean hostNetwork() {
            return network == Mode.NODE;
        }

        public boolean hostIpc() {
            return ipc == Mode.NODE;
        }

        public boolean hostPid() {
            return pid == Mode.NODE;
        }
    }
}
