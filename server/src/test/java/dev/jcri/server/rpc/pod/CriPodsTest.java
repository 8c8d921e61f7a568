package dev.jcri.server.rpc.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PortMapping;
import org.junit.jupiter.api.Test;

class CriPodsTest {
    private static PodSandboxConfig.Builder config() {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName("web")
                        .setNamespace("default")
                        .setUid("u1"))
                .setLogDirectory("/var/log/pods/default_web_u1");
    }

    private static String refusal(PodSandboxConfig.Builder config) {
        return assertThrows(IllegalArgumentException.class, () -> CriPods.toSpec(config.build(), ""))
                .getMessage();
    }

    @Test
    void theLogDirectoryIsAbsoluteNormalizedAndNeverClimbs() {
        assertEquals(
                "/var/log/pods/x",
                CriPods.toSpec(config().setLogDirectory("/var/log//pods/x/").build(), "")
                        .logDirectory());
        assertTrue(
                refusal(config().setLogDirectory("/var/log/pods/../../../etc")).startsWith("config.log_directory: "));
        assertTrue(refusal(config().setLogDirectory("pods/x")).startsWith("config.log_directory: "));
    }

    @Test
    void metadataIsRequiredByField() {
        assertEquals("config.metadata: required", refusal(config().clearMetadata()));
        assertEquals(
                "config.metadata.uid: required",
                refusal(config().setMetadata(
                                PodSandboxMetadata.newBuilder().setName("a").setNamespace("b"))));
    }

    @Test
    void portMappingsArePortsAndAddresses() {
        assertTrue(refusal(config().addPortMappings(
                                PortMapping.newBuilder().setContainerPort(80).setProtocolValue(7)))
                .startsWith("config.port_mappings[0].protocol: 7"));
        assertTrue(refusal(config().addPortMappings(PortMapping.newBuilder().setContainerPort(70000)))
                .startsWith("config.port_mappings[0].container_port: "));
        assertTrue(refusal(config().addPortMappings(
                                PortMapping.newBuilder().setContainerPort(80).setHostPort(-1)))
                .startsWith("config.port_mappings[0].host_port: "));
        assertTrue(refusal(config().addPortMappings(
                                PortMapping.newBuilder().setContainerPort(80).setHostIp("1.2.3.4; iptables -F")))
                .startsWith("config.port_mappings[0].host_ip: "));
    }
}
