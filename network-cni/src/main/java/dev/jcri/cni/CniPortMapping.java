package dev.jcri.cni;

import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * A hostPort mapping, as the {@code portMappings} capability carries it to the portmap plugin.
 *
 * @param protocol {@code tcp}, {@code udp} or {@code sctp} (any case; stored lower-case, as portmap expects)
 * @param hostIp   the host address to bind, or empty for all
 */
public record CniPortMapping(int hostPort, int containerPort, String protocol, String hostIp) {
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");

    public CniPortMapping {
        if (hostPort < 1 || hostPort > 65535) {
            throw new IllegalArgumentException("hostPort out of range: " + hostPort);
        }
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("containerPort out of range: " + containerPort);
        }
        protocol = protocol == null || protocol.isEmpty() ? "tcp" : protocol.toLowerCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("unsupported port protocol " + protocol);
        }
        hostIp = hostIp == null ? "" : hostIp;
    }

    ObjectNode toJson() {
        ObjectNode json = CniJson.newObject();
        json.put("hostPort", hostPort);
        json.put("containerPort", containerPort);
        json.put("protocol", protocol);
        if (!hostIp.isEmpty()) {
            json.put("hostIP", hostIp);
        }
        return json;
    }
}
