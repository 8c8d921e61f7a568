package dev.jcri.server.play;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jcri.cri.v1.DNSConfig;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubelet's DNS policies, with and without cluster DNS servers. */
class PodDnsTest {
    private static final PodDns.ResolvConf HOST =
            PodDns.ResolvConf.parse("# host\nnameserver 192.0.2.53\nsearch example.com\noptions edns0 ndots:1\n");

    private static Pod pod(String spec) throws PlayException {
        Pod pod = new ManifestReader()
                .read("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n" + spec
                        + "  containers: [{name: c, image: busybox:1.36}]\n")
                .pods()
                .getFirst();
        PodDefaults.apply(pod);
        return pod;
    }

    @Test
    void clusterFirstUsesTheClusterWhenItHasDnsServers() throws PlayException {
        DNSConfig dns = PodDns.config(
                pod("  dnsConfig: {options: [{name: ndots, value: '2'}], nameservers: [192.0.2.9]}\n"),
                HOST,
                List.of("10.96.0.10"),
                "cluster.local");
        assertEquals(List.of("10.96.0.10", "192.0.2.9"), dns.getServersList());
        assertEquals(
                List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.com"),
                dns.getSearchesList());
        assertEquals(List.of("ndots:2"), dns.getOptionsList());
    }

    @Test
    void clusterFirstFallsBackToTheHostWithoutClusterDns() throws PlayException {
        DNSConfig dns = PodDns.config(pod(""), HOST, List.of(), "cluster.local");
        assertEquals(List.of("192.0.2.53"), dns.getServersList());
        assertEquals(List.of("example.com"), dns.getSearchesList());
        assertEquals(List.of("edns0", "ndots:1"), dns.getOptionsList());
    }

    @Test
    void hostNetworkPodsNeedClusterFirstWithHostNetForTheCluster() throws PlayException {
        assertEquals(
                List.of("192.0.2.53"),
                PodDns.config(pod("  hostNetwork: true\n"), HOST, List.of("10.96.0.10"), "cluster.local")
                        .getServersList());
        assertEquals(
                List.of("10.96.0.10"),
                PodDns.config(
                                pod("  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n"),
                                HOST,
                                List.of("10.96.0.10"),
                                "cluster.local")
                        .getServersList());
    }
}
