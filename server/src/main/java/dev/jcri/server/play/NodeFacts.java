package dev.jcri.server.play;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

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

    /** This host's facts, as kubelet would find them. */
    public static NodeFacts detect(
            String nodeName, Path resolvConf, List<String> clusterDns, String clusterDomain, Path podLogsRoot)
            throws IOException {
        String name = nodeName != null
                ? nodeName
                : Files.readString(Path.of("/proc/sys/kernel/hostname")).trim().toLowerCase(Locale.ROOT);
        long memory = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        PodDns.ResolvConf dns = Files.exists(resolvConf)
                ? PodDns.ResolvConf.parse(Files.readString(resolvConf))
                : PodDns.ResolvConf.EMPTY;
        return new NodeFacts(
                name,
                firstHostAddress(),
                Runtime.getRuntime().availableProcessors(),
                memory,
                dns,
                clusterDns,
                clusterDomain,
                podLogsRoot,
                KUBELET_SECCOMP_ROOT);
    }

    /** The first IPv4 address of an interface that is up and not loopback, as kubelet picks a node IP. */
    private static String firstHostAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address) {
                    return address.getHostAddress();
                }
            }
        }
        return "127.0.0.1";
    }
}
