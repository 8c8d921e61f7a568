package dev.jcri.server.play;

import java.nio.file.Path;
import java.util.List;

/**
 * What kubelet's translation reads from its node and its own configuration: the node's name and address, its CPUs
 * and memory (resource fields, OOM scores), the host's resolv.conf, the cluster DNS servers and domain (none by
 * default: there is no cluster), and where pod logs and Localhost seccomp profiles live.
 */
public record NodeFacts(
        String nodeName,
        String hostIp,
        int cpus,
        long memoryCapacity,
        PodDns.ResolvConf hostDns,
        List<String> clusterDns,
        String clusterDomain,
        Path podLogsRoot,
        Path seccompRoot) {

    public static final Path KUBELET_POD_LOGS = Path.of("/var/log/pods");
    public static final Path KUBELET_SECCOMP_ROOT = Path.of("/var/lib/kubelet/seccomp");
}
