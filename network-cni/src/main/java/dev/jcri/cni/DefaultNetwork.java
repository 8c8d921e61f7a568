package dev.jcri.cni;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The parameters of jcri's default network: a bridge with host-local IPAM, then portmap for hostPorts.
 *
 * <p>The chain has no {@code loopback}: jcri brings up every pod's {@code lo} itself (see {@link CniLoopback}).
 * Nor has it {@code bandwidth}: its CHECK crashes for a pod without bandwidth annotations, i.e. for nearly every
 * pod, in Debian's 1.1.1 (containernetworking/plugins#1221, fixed in 1.9.1); operators who want shaping add it
 * to their own conflist. Its
 * cniVersion is 1.0.0, the newest those plugins speak.
 *
 * @param subnets    one host-local range set per subnet, so a v4 and a v6 subnet give a dual-stack pod
 * @param routes     destinations routed through the bridge's gateway, e.g. {@code 0.0.0.0/0}
 * @param ipamDataDir where host-local records its allocations
 */
public record DefaultNetwork(
        String networkName, String bridgeName, List<String> subnets, List<String> routes, Path ipamDataDir) {
    public static final String DEFAULT_CNI_VERSION = "1.0.0";

    public DefaultNetwork {
        subnets = List.copyOf(subnets);
        routes = List.copyOf(routes);
        if (bridgeName.isEmpty() || bridgeName.length() > 15 || !bridgeName.matches("[A-Za-z0-9_.\\-]+")) {
            throw new IllegalArgumentException(
                    "invalid bridge name " + bridgeName + " (at most 15 letters, digits, '_', '.', '-')");
        }
        if (!networkName.matches("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*")) {
            throw new IllegalArgumentException("invalid CNI network name " + networkName);
        }
        if (subnets.isEmpty()) {
            throw new IllegalArgumentException("the default network needs at least one subnet");
        }
        subnets.forEach(DefaultNetwork::requireCidr);
        routes.forEach(DefaultNetwork::requireCidr);
    }

    /** jcri's shipped default: {@code cni0}, 10.88.0.0/16, a default route. */
    public static DefaultNetwork standard(Path ipamDataDir) {
        return new DefaultNetwork("jcri", "cni0", List.of("10.88.0.0/16"), List.of("0.0.0.0/0"), ipamDataDir);
    }

    public ObjectNode toJson() {
        ObjectNode list = CniJson.newObject();
        list.put("cniVersion", DEFAULT_CNI_VERSION);
        list.put("name", networkName);
        ArrayNode plugins = list.putArray("plugins");

        ObjectNode bridge = plugins.addObject();
        bridge.put("type", "bridge");
        bridge.put("bridge", bridgeName);
        bridge.put("isGateway", true);
        bridge.put("ipMasq", true);
        // Lets a pod reach itself through its own Service IP.
        bridge.put("hairpinMode", true);
        ObjectNode ipam = bridge.putObject("ipam");
        ipam.put("type", "host-local");
        ArrayNode ranges = ipam.putArray("ranges");
        for (String subnet : subnets) {
            ranges.addArray().addObject().put("subnet", subnet);
        }
        ArrayNode routeArray = ipam.putArray("routes");
        for (String route : routes) {
            routeArray.addObject().put("dst", route);
        }
        ipam.put("dataDir", ipamDataDir.toString());

        ObjectNode portmap = plugins.addObject();
        portmap.put("type", "portmap");
        portmap.putObject("capabilities").put("portMappings", true);
        return list;
    }

    byte[] toConflistBytes() {
        return CniJson.prettyBytes(toJson());
    }

    private static void requireCidr(String cidr) {
        int slash = cidr.indexOf('/');
        try {
            if (slash < 0) {
                throw new IllegalArgumentException("no prefix length");
            }
            InetAddress address = InetAddress.ofLiteral(cidr.substring(0, slash));
            int prefix = Integer.parseInt(cidr.substring(slash + 1));
            if (prefix < 0 || prefix > address.getAddress().length * 8) {
                throw new IllegalArgumentException("prefix out of range");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid CIDR " + cidr + ": " + e.getMessage(), e);
        }
    }
}
