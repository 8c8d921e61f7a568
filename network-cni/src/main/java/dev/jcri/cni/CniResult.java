package dev.jcri.cni;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The result of an ADD chain (spec 0.3.x, 0.4.0 and 1.x share this shape; 0.x adds a per-IP {@code version}
 * that is implied by the address anyway). The raw JSON is kept: it is what the next plugin and DEL get as
 * {@code prevResult}, with every field a plugin may have added.
 */
public record CniResult(
        String cniVersion,
        List<Interface> interfaces,
        List<IpConfig> ips,
        List<Route> routes,
        Dns dns,
        ObjectNode json) {

    /** @param sandbox the netns path for a pod-side interface; empty for a host-side one */
    public record Interface(String name, String mac, String sandbox) {}

    /**
     * @param address        CIDR, e.g. {@code 10.88.0.5/16}
     * @param gateway        may be empty
     * @param interfaceIndex index into {@link #interfaces()}, or -1 when the plugin did not say
     */
    public record IpConfig(String address, String gateway, int interfaceIndex) {
        /** The address without its prefix length. */
        public String ip() {
            return address.substring(0, address.indexOf('/'));
        }

        public boolean isIpv6() {
            return address.indexOf(':') >= 0;
        }
    }

    public record Route(String dst, String gw) {}

    public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {
        public static final Dns EMPTY = new Dns(List.of(), "", List.of(), List.of());
    }

    public CniResult {
        interfaces = List.copyOf(interfaces);
        ips = List.copyOf(ips);
        routes = List.copyOf(routes);
        json = json.deepCopy();
    }

    /**
     * @throws IllegalArgumentException the JSON is not a CNI result (missing or malformed addresses, interface
     *                                  indexes out of range)
     */
    public static CniResult parse(ObjectNode json) {
        List<Interface> interfaces = new ArrayList<>();
        for (JsonNode node : json.path("interfaces")) {
            String name = CniJson.string(node, "name");
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("an interface has no name");
            }
            interfaces.add(new Interface(
                    name, orEmpty(CniJson.string(node, "mac")), orEmpty(CniJson.string(node, "sandbox"))));
        }
        List<IpConfig> ips = new ArrayList<>();
        for (JsonNode node : json.path("ips")) {
            String address = CniJson.string(node, "address");
            requireCidr(address, "address");
            String gateway = orEmpty(CniJson.string(node, "gateway"));
            if (!gateway.isEmpty()) {
                requireIp(gateway, "gateway");
            }
            int index = -1;
            JsonNode interfaceNode = node.get("interface");
            if (interfaceNode != null && !interfaceNode.isNull()) {
                if (!interfaceNode.isIntegralNumber()
                        || !interfaceNode.canConvertToInt()
                        || interfaceNode.intValue() < 0
                        || interfaceNode.intValue() >= interfaces.size()) {
                    throw new IllegalArgumentException("ip " + address + " names interface " + interfaceNode
                            + " but the result has " + interfaces.size() + " interfaces");
                }
                index = interfaceNode.intValue();
            }
            ips.add(new IpConfig(address, gateway, index));
        }
        List<Route> routes = new ArrayList<>();
        for (JsonNode node : json.path("routes")) {
            String dst = CniJson.string(node, "dst");
            requireCidr(dst, "route dst");
            routes.add(new Route(dst, orEmpty(CniJson.string(node, "gw"))));
        }
        JsonNode dnsNode = json.get("dns");
        Dns dns = dnsNode == null || !dnsNode.isObject()
                ? Dns.EMPTY
                : new Dns(
                        CniJson.strings(dnsNode, "nameservers"), orEmpty(CniJson.string(dnsNode, "domain")),
                        CniJson.strings(dnsNode, "search"), CniJson.strings(dnsNode, "options"));
        return new CniResult(orEmpty(CniJson.string(json, "cniVersion")), interfaces, ips, routes, dns, json);
    }

    /**
     * The pod's IPs on {@code ifName} inside the sandbox, in the order the plugins reported them, so that the
     * first (the primary pod IP) follows the operator's range order. IPs without an interface index are taken
     * to be the pod interface's, as containerd does.
     */
    public List<String> podIps(String ifName) {
        List<String> out = new ArrayList<>();
        for (IpConfig ip : ips) {
            if (ip.interfaceIndex() >= 0) {
                Interface owner = interfaces.get(ip.interfaceIndex());
                if (!owner.name().equals(ifName) || owner.sandbox().isEmpty()) {
                    continue;
                }
            }
            if (!out.contains(ip.ip())) {
                out.add(ip.ip());
            }
        }
        return List.copyOf(out);
    }

    private static void requireCidr(String cidr, String what) {
        if (cidr == null) {
            throw new IllegalArgumentException("a " + what + " is missing");
        }
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(what + " " + cidr + " is not in CIDR form");
        }
        InetAddress address = requireIp(cidr.substring(0, slash), what);
        try {
            int prefix = Integer.parseInt(cidr.substring(slash + 1));
            if (prefix < 0 || prefix > address.getAddress().length * 8) {
                throw new IllegalArgumentException(what + " " + cidr + " has an invalid prefix length");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " " + cidr + " has an invalid prefix length", e);
        }
    }

    private static InetAddress requireIp(String text, String what) {
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " " + text + " is not an IP address", e);
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
