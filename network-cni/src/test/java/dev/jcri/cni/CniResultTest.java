package dev.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CniResultTest {
    // The shape bridge + host-local print for spec 0.4.0: host bridge, host veth, pod eth0.
    private static final String V040 = """
            {
              "cniVersion": "0.4.0",
              "interfaces": [
                {"name": "cni0", "mac": "aa:bb:cc:00:00:01"},
                {"name": "veth1234", "mac": "aa:bb:cc:00:00:02"},
                {"name": "eth0", "mac": "aa:bb:cc:00:00:03", "sandbox": "/run/jcri/ns/net/abc"}
              ],
              "ips": [
                {"version": "4", "interface": 2, "address": "10.88.0.7/16", "gateway": "10.88.0.1"}
              ],
              "routes": [{"dst": "0.0.0.0/0"}],
              "dns": {"nameservers": ["10.96.0.10"], "domain": "cluster.local",
                      "search": ["default.svc.cluster.local"], "options": ["ndots:5"]}
            }""";

    // Spec 1.0.0: no per-IP version; a dual-stack pod with v6 listed first, one address on the host side,
    // one without an interface index.
    private static final String V100 = """
            {
              "cniVersion": "1.0.0",
              "interfaces": [
                {"name": "eth0", "mac": "aa:bb:cc:00:00:03", "sandbox": "/run/netns/pod", "mtu": 1450},
                {"name": "eth0", "mac": "aa:bb:cc:00:00:09"}
              ],
              "ips": [
                {"interface": 0, "address": "fd00:88::7/64", "gateway": "fd00:88::1"},
                {"interface": 0, "address": "10.88.0.7/16"},
                {"interface": 1, "address": "192.168.1.5/24"},
                {"address": "10.99.0.3/32"},
                {"interface": 0, "address": "10.88.0.7/16"}
              ],
              "routes": [{"dst": "::/0", "gw": "fd00:88::1"}, {"dst": "0.0.0.0/0"}],
              "somethingNew": {"kept": true}
            }""";

    private static CniResult parse(String json) throws Exception {
        return CniResult.parse(CniJson.parseObject(json.getBytes()));
    }

    @Test
    void parsesA040Result() throws Exception {
        CniResult result = parse(V040);
        assertEquals("0.4.0", result.cniVersion());
        assertEquals(3, result.interfaces().size());
        assertEquals(
                new CniResult.Interface("eth0", "aa:bb:cc:00:00:03", "/run/jcri/ns/net/abc"),
                result.interfaces().get(2));
        assertEquals(
                new CniResult.Interface("cni0", "aa:bb:cc:00:00:01", ""),
                result.interfaces().get(0));
        assertEquals(List.of(new CniResult.IpConfig("10.88.0.7/16", "10.88.0.1", 2)), result.ips());
        assertEquals(List.of(new CniResult.Route("0.0.0.0/0", "")), result.routes());
        assertEquals(
                new CniResult.Dns(
                        List.of("10.96.0.10"),
                        "cluster.local",
                        List.of("default.svc.cluster.local"),
                        List.of("ndots:5")),
                result.dns());
        assertEquals(List.of("10.88.0.7"), result.podIps("eth0"));
        assertEquals(List.of(), result.podIps("net1"));
    }

    @Test
    void parsesA100ResultAndPicksPodIpsInOrder() throws Exception {
        CniResult result = parse(V100);
        assertEquals("1.0.0", result.cniVersion());
        assertEquals(CniResult.Dns.EMPTY, result.dns());
        assertEquals(-1, result.ips().get(3).interfaceIndex());
        assertTrue(result.ips().getFirst().isIpv6());
        // The host-side eth0 (no sandbox) is not the pod's; the index-less IP is; duplicates collapse.
        assertEquals(List.of("fd00:88::7", "10.88.0.7", "10.99.0.3"), result.podIps("eth0"));
        assertTrue(
                result.json().path("somethingNew").path("kept").booleanValue(),
                "unknown fields survive for prevResult");
    }

    @Test
    void rejectsMalformedResults() {
        assertThrows(IllegalArgumentException.class, () -> parse("{\"ips\":[{\"address\":\"10.0.0.1\"}]}"));
        assertThrows(IllegalArgumentException.class, () -> parse("{\"ips\":[{\"address\":\"nope/24\"}]}"));
        assertThrows(IllegalArgumentException.class, () -> parse("{\"ips\":[{\"address\":\"10.0.0.1/33\"}]}"));
        assertThrows(IllegalArgumentException.class, () -> parse("{\"ips\":[{}]}"));
        assertThrows(
                IllegalArgumentException.class,
                () -> parse("{\"interfaces\":[],\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":0}]}"));
        assertThrows(IllegalArgumentException.class, () -> parse("{\"interfaces\":[{\"mac\":\"x\"}]}"));
        assertThrows(
                IllegalArgumentException.class,
                () -> parse("{\"ips\":[{\"address\":\"10.0.0.1/24\",\"gateway\":\"gw\"}]}"));
    }

    @Test
    void emptyResultHasNoIps() throws Exception {
        CniResult result = parse("{\"cniVersion\":\"1.0.0\"}");
        assertEquals(List.of(), result.podIps("eth0"));
    }

    @Test
    void parsesErrorJson() {
        assertEquals(
                Optional.of(new CniError("1.0.0", 11, "busy", "try later")),
                CniError.parse("{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"busy\",\"details\":\"try later\"}"
                        .getBytes()));
        assertEquals(
                Optional.of(new CniError("", 7, "bad config", "")),
                CniError.parse("{\"code\":7,\"msg\":\"bad config\"}".getBytes()));
        assertEquals(Optional.empty(), CniError.parse("{\"msg\":\"no code\"}".getBytes()));
        assertEquals(Optional.empty(), CniError.parse("{\"code\":\"7\"}".getBytes()));
        assertEquals(Optional.empty(), CniError.parse("panic: runtime error".getBytes()));
        assertEquals(Optional.empty(), CniError.parse(new byte[0]));
    }
}
