package dev.jcri.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one pod's attachment passes to the plugins besides the network config: the CNI_* variables and the
 * capability args that become each plugin's {@code runtimeConfig}.
 *
 * @param containerId CNI_CONTAINERID and K8S_POD_INFRA_CONTAINER_ID: the sandbox ID
 * @param netns       CNI_NETNS: the pinned network namespace file
 * @param ifName      CNI_IFNAME, {@code eth0} for the pod network
 * @param podAnnotations passed to plugins declaring the {@code io.kubernetes.cri.pod-annotations} capability
 */
public record CniRuntimeConf(
        String containerId,
        Path netns,
        String ifName,
        String podNamespace,
        String podName,
        String podUid,
        List<CniPortMapping> portMappings,
        Optional<CniBandwidth> bandwidth,
        Map<String, String> podAnnotations) {

    public static final String POD_INTERFACE = "eth0";
    public static final String PORT_MAPPINGS = "portMappings";
    public static final String BANDWIDTH = "bandwidth";
    public static final String POD_ANNOTATIONS = "io.kubernetes.cri.pod-annotations";

    // The spec's container ID rule; it also keeps IDs safe inside cache file names.
    private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");

    public CniRuntimeConf {
        if (containerId == null || !CONTAINER_ID.matcher(containerId).matches()) {
            throw new IllegalArgumentException("invalid CNI container ID " + containerId);
        }
        if (ifName == null
                || ifName.isEmpty()
                || ifName.length() > 15
                || ifName.equals(".")
                || ifName.equals("..")
                || ifName.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("invalid interface name " + ifName);
        }
        podNamespace = argValue("pod namespace", podNamespace);
        podName = argValue("pod name", podName);
        podUid = argValue("pod UID", podUid);
        portMappings = List.copyOf(portMappings);
        podAnnotations = Map.copyOf(podAnnotations);
    }

    /** The usual pod attachment: {@code eth0}, no ports, no shaping, no annotations. */
    public static CniRuntimeConf forPod(
            String sandboxId, Path netns, String podNamespace, String podName, String podUid) {
        return new CniRuntimeConf(
                sandboxId, netns, POD_INTERFACE, podNamespace, podName, podUid, List.of(), Optional.empty(), Map.of());
    }

    public CniRuntimeConf withPortMappings(List<CniPortMapping> mappings) {
        return new CniRuntimeConf(
                containerId, netns, ifName, podNamespace, podName, podUid, mappings, bandwidth, podAnnotations);
    }

    public CniRuntimeConf withBandwidth(Optional<CniBandwidth> limits) {
        return new CniRuntimeConf(
                containerId, netns, ifName, podNamespace, podName, podUid, portMappings, limits, podAnnotations);
    }

    public CniRuntimeConf withPodAnnotations(Map<String, String> annotations) {
        return new CniRuntimeConf(
                containerId, netns, ifName, podNamespace, podName, podUid, portMappings, bandwidth, annotations);
    }

    public CniRuntimeConf withIfName(String name) {
        return new CniRuntimeConf(
                containerId, netns, name, podNamespace, podName, podUid, portMappings, bandwidth, podAnnotations);
    }

    /**
     * {@code CNI_ARGS}. IgnoreUnknown=1 comes first because plugins that parse CNI_ARGS strictly reject keys
     * they do not know, and the K8S_* keys are meant for those that care.
     */
    public String cniArgs() {
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + podNamespace + ";K8S_POD_NAME=" + podName
                + ";K8S_POD_INFRA_CONTAINER_ID=" + containerId + ";K8S_POD_UID=" + podUid;
    }

    /** Every capability arg this attachment has a value for; each plugin gets the ones it declares. */
    public ObjectNode capabilityArgs() {
        ObjectNode args = CniJson.newObject();
        if (!portMappings.isEmpty()) {
            ArrayNode array = args.putArray(PORT_MAPPINGS);
            portMappings.forEach(m -> array.add(m.toJson()));
        }
        bandwidth.ifPresent(b -> args.set(BANDWIDTH, b.toJson()));
        if (!podAnnotations.isEmpty()) {
            ObjectNode annotations = args.putObject(POD_ANNOTATIONS);
            new TreeMap<>(podAnnotations).forEach(annotations::put);
        }
        return args;
    }

    /** The variables for ADD, DEL and CHECK. */
    Map<String, String> cniVariables() {
        return Map.of(
                "CNI_CONTAINERID",
                containerId,
                "CNI_NETNS",
                netns == null ? "" : netns.toString(),
                "CNI_IFNAME",
                ifName,
                "CNI_ARGS",
                cniArgs());
    }

    /**
     * The variables for DEL. A namespace that is gone, or a pin file that is no longer a namespace mount, is
     * passed as an empty CNI_NETNS: the spec tells plugins to release what they can then, whereas a dead path
     * makes some of them fail.
     */
    Map<String, String> cniVariablesForDel() {
        if (netns == null || isLiveNamespace(netns)) {
            return cniVariables();
        }
        return Map.of("CNI_CONTAINERID", containerId, "CNI_NETNS", "", "CNI_IFNAME", ifName, "CNI_ARGS", cniArgs());
    }

    private static boolean isLiveNamespace(Path path) {
        if (!Files.exists(path)) {
            return false;
        }
        try {
            return Files.getFileStore(path).type().equals("nsfs");
        } catch (IOException e) {
            // /proc/<pid>/ns/net has no mount entry of its own; it exists, so it is live.
            return true;
        }
    }

    /** CNI_ARGS is a ';'-separated list of K=V pairs with no escaping; empty values are allowed. */
    private static String argValue(String what, String value) {
        if (value == null) {
            return "";
        }
        if (value.chars().anyMatch(c -> c == ';' || c == '=' || c < 0x20)) {
            throw new IllegalArgumentException("invalid " + what + " for CNI_ARGS: " + value);
        }
        return value;
    }
}
