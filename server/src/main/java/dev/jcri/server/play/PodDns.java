package dev.jcri.server.play;

import dev.jcri.cri.v1.DNSConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A pod's DNS config as kubelet forms it from {@code dnsPolicy} and {@code dnsConfig}: the cluster's resolvers and
 * search path (only when cluster DNS servers are given; kubelet falls back to the host's otherwise), the host's
 * resolv.conf, or nothing; then the pod's own servers, searches and options merged in, within the resolver's limits.
 */
final class PodDns {
    static final int MAX_NAMESERVERS = 3;
    static final int MAX_SEARCHES = 32;

    /** The parts of a resolv.conf kubelet reads. */
    record ResolvConf(List<String> servers, List<String> searches, List<String> options) {
        static final ResolvConf EMPTY = new ResolvConf(List.of(), List.of(), List.of());

        static ResolvConf parse(String text) {
            List<String> servers = new ArrayList<>();
            List<String> searches = new ArrayList<>();
            List<String> options = new ArrayList<>();
            for (String line : text.split("\n")) {
                int comment = line.indexOf('#');
                String[] fields = (comment >= 0 ? line.substring(0, comment) : line)
                        .trim()
                        .split("\\s+");
                if (fields.length < 2) {
                    continue;
                }
                switch (fields[0]) {
                    case "nameserver" -> servers.add(fields[1]);
                    case "search" -> {
                        // The last search line wins, as in the resolver.
                        searches.clear();
                        for (int i = 1; i < fields.length; i++) {
                            if (!fields[i].equals(".")) {
                                searches.add(
                                        fields[i].endsWith(".")
                                                ? fields[i].substring(0, fields[i].length() - 1)
                                                : fields[i]);
                            }
                        }
                    }
                    case "options" -> options.addAll(List.of(fields).subList(1, fields.length));
                    default -> {}
                }
            }
            return new ResolvConf(List.copyOf(servers), List.copyOf(searches), List.copyOf(options));
        }
    }

    private PodDns() {}

    static DNSConfig config(Pod pod, ResolvConf host, List<String> clusterDns, String clusterDomain) {
        boolean hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        String policy = pod.getSpec().getDnsPolicy();
        boolean cluster = switch (policy) {
            case "ClusterFirstWithHostNet" -> true;
            case "ClusterFirst" -> !hostNetwork;
            default -> false;
        };
        List<String> servers;
        List<String> searches;
        List<String> options;
        if (policy.equals("None")) {
            servers = List.of();
            searches = List.of();
            options = List.of();
        } else if (cluster && !clusterDns.isEmpty()) {
            servers = clusterDns;
            String namespace = pod.getMetadata().getNamespace();
            searches = new ArrayList<>(
                    List.of(namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain));
            searches.addAll(host.searches());
            options = List.of("ndots:5");
        } else {
            servers = host.servers();
            searches = host.searches();
            options = host.options();
        }
        PodDNSConfig own = pod.getSpec().getDnsConfig();
        List<String> allServers = new ArrayList<>(servers);
        List<String> allSearches = new ArrayList<>(searches);
        Map<String, String> allOptions = new LinkedHashMap<>();
        for (String option : options) {
            int colon = option.indexOf(':');
            allOptions.put(
                    colon < 0 ? option : option.substring(0, colon), colon < 0 ? "" : option.substring(colon + 1));
        }
        if (own != null) {
            allServers.addAll(own.getNameservers());
            allSearches.addAll(own.getSearches());
            for (PodDNSConfigOption option : own.getOptions()) {
                allOptions.put(option.getName(), option.getValue() == null ? "" : option.getValue());
            }
        }
        List<String> uniqueServers = List.copyOf(new LinkedHashSet<>(allServers));
        List<String> uniqueSearches = List.copyOf(new LinkedHashSet<>(allSearches));
        DNSConfig.Builder dns = DNSConfig.newBuilder()
                .addAllServers(uniqueServers.subList(0, Math.min(MAX_NAMESERVERS, uniqueServers.size())))
                .addAllSearches(uniqueSearches.subList(0, Math.min(MAX_SEARCHES, uniqueSearches.size())));
        allOptions.forEach((name, value) -> dns.addOptions(value.isEmpty() ? name : name + ":" + value));
        return dns.build();
    }
}
