package dev.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class CniRuntimeConfTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static CniRuntimeConf pod() {
        return CniRuntimeConf.forPod(ID, Path.of("/run/jcri/ns/net/" + ID), "default", "web-0", "uid-1234");
    }

    private static CniPluginConfig plugin(String json) throws Exception {
        return CniPluginConfig.parse(CniJson.parseObject(json.getBytes()), 0);
    }

    @Test
    void cniArgsCarryThePodIdentity() {
        assertEquals(
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=" + ID
                        + ";K8S_POD_UID=uid-1234",
                pod().cniArgs());
        Map<String, String> vars = pod().cniVariables();
        assertEquals(ID, vars.get("CNI_CONTAINERID"));
        assertEquals("/run/jcri/ns/net/" + ID, vars.get("CNI_NETNS"));
        assertEquals("eth0", vars.get("CNI_IFNAME"));
        assertEquals(pod().cniArgs(), vars.get("CNI_ARGS"));
    }

    @Test
    void valuesThatWouldBreakCniArgsOrPathsAreRejected() {
        Path netns = Path.of("/run/netns/x");
        assertThrows(IllegalArgumentException.class, () -> CniRuntimeConf.forPod(ID, netns, "a;b", "n", "u"));
        assertThrows(IllegalArgumentException.class, () -> CniRuntimeConf.forPod(ID, netns, "ns", "a=b", "u"));
        assertThrows(IllegalArgumentException.class, () -> CniRuntimeConf.forPod("../x", netns, "ns", "n", "u"));
        assertThrows(IllegalArgumentException.class, () -> pod().withIfName("eth0/x"));
        assertThrows(IllegalArgumentException.class, () -> pod().withIfName("a-very-long-ifname"));
        assertEquals(
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=;K8S_POD_NAME=n;K8S_POD_INFRA_CONTAINER_ID=" + ID + ";K8S_POD_UID=",
                CniRuntimeConf.forPod(ID, netns, null, "n", "").cniArgs());
    }

    @Test
    void capabilityArgsHoldOnlyWhatThePodHas() {
        assertTrue(pod().capabilityArgs().isEmpty());
        ObjectNode args = pod().withPortMappings(List.of(
                        new CniPortMapping(8080, 80, "TCP", ""), new CniPortMapping(5353, 53, "udp", "127.0.0.1")))
                .withBandwidth(Optional.of(new CniBandwidth(1000, 2000, 3000, 4000)))
                .withPodAnnotations(Map.of("b", "2", "a", "1"))
                .capabilityArgs();
        assertEquals("""
                {"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},\
                {"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}],\
                "bandwidth":{"ingressRate":1000,"ingressBurst":2000,"egressRate":3000,"egressBurst":4000},\
                "io.kubernetes.cri.pod-annotations":{"a":"1","b":"2"}}""", args.toString());
    }

    @Test
    void eachPluginGetsOnlyTheCapabilitiesItDeclares() throws Exception {
        ObjectNode args = pod().withPortMappings(List.of(new CniPortMapping(8080, 80, "tcp", "")))
                .withBandwidth(Optional.of(new CniBandwidth(1000, 2000, 0, 0)))
                .capabilityArgs();
        CniPluginConfig portmap = plugin("{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}");
        CniPluginConfig bandwidth = plugin("{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}");
        CniPluginConfig both =
                plugin("{\"type\":\"x\",\"capabilities\":{\"bandwidth\":true,\"portMappings\":false,\"ips\":true}}");
        CniPluginConfig bridge = plugin("{\"type\":\"bridge\"}");

        assertEquals(
                "{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}",
                portmap.runtimeConfig(args).orElseThrow().toString());
        assertEquals(
                "{\"bandwidth\":{\"ingressRate\":1000,\"ingressBurst\":2000,\"egressRate\":0," + "\"egressBurst\":0}}",
                bandwidth.runtimeConfig(args).orElseThrow().toString());
        assertEquals(bandwidth.runtimeConfig(args), both.runtimeConfig(args));
        assertTrue(bridge.runtimeConfig(args).isEmpty());
        assertTrue(portmap.runtimeConfig(CniJson.newObject()).isEmpty());
    }

    @Test
    void invocationConfigInjectsNameVersionPrevResultAndRuntimeConfig() throws Exception {
        CniPluginConfig portmap = plugin("""
                {"type":"portmap","cniVersion":"0.1.0","name":"stale","prevResult":{"stale":true},
                 "capabilities":{"portMappings":true},"runtimeConfig":{"static":1},"snat":true}""");
        ObjectNode args = pod().withPortMappings(List.of(new CniPortMapping(8080, 80, "tcp", "")))
                .capabilityArgs();
        JsonNode prev = CniJson.parseObject("{\"cniVersion\":\"1.0.0\",\"ips\":[]}".getBytes());

        ObjectNode config = portmap.invocationConfig("net", CniVersion.V1_0_0, prev, args);
        assertEquals("net", config.path("name").stringValue());
        assertEquals("1.0.0", config.path("cniVersion").stringValue());
        assertEquals(prev, config.get("prevResult"));
        assertTrue(config.path("snat").booleanValue());
        assertEquals(1, config.path("runtimeConfig").path("static").intValue());
        assertEquals(
                8080,
                config.path("runtimeConfig")
                        .path("portMappings")
                        .get(0)
                        .path("hostPort")
                        .intValue());

        ObjectNode first = portmap.invocationConfig("net", CniVersion.V1_0_0, null, CniJson.newObject());
        assertFalse(first.has("prevResult"), "a stale prevResult in the file must not reach the plugin");
        assertEquals("{\"static\":1}", first.get("runtimeConfig").toString());
        assertTrue(portmap.json().has("prevResult"), "the parsed config itself is not modified");
    }

    @Test
    void bandwidthFromPodAnnotations() {
        assertEquals(Optional.empty(), CniBandwidth.fromPodAnnotations(Map.of("other", "1")));
        CniBandwidth limits = CniBandwidth.fromPodAnnotations(
                        Map.of(CniBandwidth.INGRESS_ANNOTATION, "10M", CniBandwidth.EGRESS_ANNOTATION, "1Gi"))
                .orElseThrow();
        assertEquals(new CniBandwidth(10_000_000, 0xFFFF_FFFFL, 1L << 30, 0xFFFF_FFFFL), limits);
        CniBandwidth ingressOnly = CniBandwidth.fromPodAnnotations(Map.of(CniBandwidth.INGRESS_ANNOTATION, "1.5k"))
                .orElseThrow();
        assertEquals(new CniBandwidth(1500, 0xFFFF_FFFFL, 0, 0), ingressOnly);
        assertThrows(
                IllegalArgumentException.class,
                () -> CniBandwidth.fromPodAnnotations(Map.of(CniBandwidth.INGRESS_ANNOTATION, "fast")));
        assertThrows(
                IllegalArgumentException.class,
                () -> CniBandwidth.fromPodAnnotations(Map.of(CniBandwidth.EGRESS_ANNOTATION, "10")),
                "below 1 kbit/s");
        assertThrows(
                IllegalArgumentException.class,
                () -> CniBandwidth.fromPodAnnotations(Map.of(CniBandwidth.EGRESS_ANNOTATION, "2E")),
                "above 1 Pbit/s");
    }

    @Test
    void portMappingValidation() {
        assertThrows(IllegalArgumentException.class, () -> new CniPortMapping(0, 80, "tcp", ""));
        assertThrows(IllegalArgumentException.class, () -> new CniPortMapping(80, 70000, "tcp", ""));
        assertThrows(IllegalArgumentException.class, () -> new CniPortMapping(80, 80, "icmp", ""));
        assertEquals("sctp", new CniPortMapping(80, 80, "SCTP", null).protocol());
        assertEquals("tcp", new CniPortMapping(80, 80, "", null).protocol());
    }
}
