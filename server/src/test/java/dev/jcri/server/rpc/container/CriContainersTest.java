package dev.jcri.server.rpc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.Signal;
import dev.jcri.sandbox.container.spec.ContainerSpec;
import org.junit.jupiter.api.Test;

class CriContainersTest {
    private static ContainerConfig.Builder config() {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                .setLogPath("app/0.log");
    }

    private static String refusal(ContainerConfig.Builder config) {
        return assertThrows(IllegalArgumentException.class, () -> CriContainers.toSpec(config.build()))
                .getMessage();
    }

    @Test
    void pathsAreNormalized() {
        ContainerSpec spec = CriContainers.toSpec(config().setLogPath("./app//0.log")
                .addMounts(Mount.newBuilder().setContainerPath("/data/").setHostPath("/srv//data/."))
                .build());
        assertEquals("app/0.log", spec.logPath());
        assertEquals("/data", spec.mounts().getFirst().containerPath());
        assertEquals("/srv/data", spec.mounts().getFirst().hostPath());
    }

    @Test
    void climbingOrMalformedPathsAreRefusedByField() {
        assertTrue(refusal(config().setLogPath("../../etc/x")).startsWith("config.log_path: "));
        assertTrue(refusal(config().setLogPath("/etc/x")).startsWith("config.log_path: "));
        assertTrue(refusal(config().addMounts(
                                Mount.newBuilder().setContainerPath("/a").setHostPath("/srv/../etc")))
                .startsWith("config.mounts[0].host_path: "));
        assertTrue(refusal(config().addMounts(
                                Mount.newBuilder().setContainerPath("a").setHostPath("/srv")))
                .startsWith("config.mounts[0].container_path: "));
        assertTrue(refusal(config().addMounts(
                                Mount.newBuilder().setContainerPath("/a").setHostPath("/s\u0000")))
                .startsWith("config.mounts[0].host_path: "));
    }

    @Test
    void unknownEnumNumbersAreRefused() {
        assertTrue(refusal(config().addMounts(Mount.newBuilder()
                        .setContainerPath("/a")
                        .setHostPath("/b")
                        .setPropagationValue(42)))
                .startsWith("config.mounts[0].propagation: 42"));
        assertTrue(refusal(config().setStopSignalValue(99)).startsWith("config.stop_signal: 99"));
    }

    @Test
    void metadataAndExecveStrings() {
        assertEquals("config.metadata: required", refusal(config().clearMetadata()));
        assertEquals(
                "config.metadata.name: required",
                refusal(config().setMetadata(ContainerMetadata.newBuilder().setName(" "))));
        assertEquals(
                "config.command[1]: holds a NUL character",
                refusal(config().addCommand("sh").addCommand("a\0b")));
    }

    @Test
    void resourcesOutsideWhatCgroupsTakeAreRefused() {
        assertTrue(refusal(config().setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setCpuQuota(10))))
                .startsWith("config.linux.resources.cpu_quota: 10 is out of range"));
        assertTrue(refusal(config().setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-5))))
                .startsWith("config.linux.resources.memory_limit_in_bytes: -5"));
        ContainerSpec.Resources ok = CriContainers.resources(
                LinuxContainerResources.newBuilder()
                        .setCpuQuota(-1)
                        .setCpuPeriod(100_000)
                        .setCpuShares(2)
                        .setMemorySwapLimitInBytes(-1)
                        .setOomScoreAdj(-997)
                        .build(),
                "linux");
        assertEquals(-1, ok.cpuQuota());
    }

    @Test
    void everyCriSignalRoundTripsThroughTheDomainsName() {
        for (Signal signal : Signal.values()) {
            if (signal == Signal.UNRECOGNIZED || signal == Signal.SIGNAL_RUNTIME_DEFAULT) {
                continue;
            }
            assertEquals(signal, CriContainers.signal(CriContainers.signalName(signal)), signal.name());
        }
        assertEquals("SIGRTMIN+3", CriContainers.signalName(Signal.SIGNAL_SIGRTMINPLUS3));
        assertEquals("SIGRTMAX-2", CriContainers.signalName(Signal.SIGNAL_SIGRTMAXMINUS2));
        assertEquals(Signal.SIGNAL_RUNTIME_DEFAULT, CriContainers.signal(""));
    }
}
