package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.CgroupDriver;
import dev.jcri.cri.v1.FilesystemUsage;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.NetworkConfig;
import dev.jcri.cri.v1.RuntimeCondition;
import dev.jcri.cri.v1.RuntimeConfig;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeHandler;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The runtime-level RPCs kubelet and crictl call first: Version, Status, RuntimeConfig, ImageFsInfo. */
class RuntimeInfoTest {
    private static JcriProcess jcri;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void startDaemon() throws Exception {
        jcri = JcriProcess.start();
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (jcri != null) {
            jcri.close();
        }
    }

    @Test
    void versionNamesJcriAndCriV1() {
        VersionResponse version = jcri.runtime().version(VersionRequest.getDefaultInstance());
        assertEquals("jcri", version.getRuntimeName());
        assertEquals("v1", version.getRuntimeApiVersion());
        assertEquals("0.1.0", version.getVersion());
        assertFalse(version.getRuntimeVersion().isBlank());
    }

    @Test
    void statusReportsRuntimeReadyAndNetworkNotReadyWithoutCniConfig() {
        StatusResponse status = jcri.runtime().status(StatusRequest.getDefaultInstance());
        RuntimeCondition runtime = condition(status, "RuntimeReady");
        assertTrue(runtime.getStatus(), runtime.getMessage());
        RuntimeCondition network = condition(status, "NetworkReady");
        assertFalse(network.getStatus());
        assertEquals("NetworkPluginNotReady", network.getReason());
        assertTrue(network.getMessage().contains(jcri.dir().resolve("cni/net.d").toString()), network.getMessage());
        List<String> handlers = status.getRuntimeHandlersList().stream()
                .map(RuntimeHandler::getName)
                .toList();
        assertEquals(List.of("", "crun", "runc"), handlers);
        assertTrue(status.getInfoMap().isEmpty(), "info only with verbose");
    }

    @Test
    void aCniConfigDroppedInLaterMakesTheNetworkReadyWithoutRestart() throws Exception {
        Path conflist = jcri.dir().resolve("cni/net.d/50-test.conflist");
        Files.writeString(conflist, """
                {"cniVersion": "1.0.0", "name": "jcri-e2e-status",
                 "plugins": [{"type": "bridge", "bridge": "jcrie2e0",
                              "ipam": {"type": "host-local", "subnet": "10.251.0.0/24"}}]}
                """);
        try {
            RuntimeCondition network =
                    condition(jcri.runtime().status(StatusRequest.getDefaultInstance()), "NetworkReady");
            assertTrue(network.getStatus(), network.getMessage());
        } finally {
            Files.delete(conflist);
        }
        assertFalse(condition(jcri.runtime().status(StatusRequest.getDefaultInstance()), "NetworkReady")
                .getStatus());
    }

    @Test
    void verboseStatusCarriesEffectiveConfigAsJson() {
        StatusResponse status = jcri.runtime()
                .status(StatusRequest.newBuilder().setVerbose(true).build());
        JsonNode config = JsonMapper.builder().build().readTree(status.getInfoOrThrow("config"));
        assertEquals(jcri.dir().resolve("root").toString(), config.get("root").asString());
        assertEquals(jcri.socket().toString(), config.get("listen").asString());
        assertEquals(
                "/usr/bin/crun", config.get("runtimes").get("crun").get("path").asString());
    }

    @Test
    void runtimeConfigReportsCgroupfsDriver() {
        assertEquals(
                CgroupDriver.CGROUPFS,
                jcri.runtime()
                        .runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
                        .getLinux()
                        .getCgroupDriver());
    }

    @Test
    void updateRuntimeConfigKeepsThePodCidr() {
        jcri.runtime().updateRuntimeConfig(podCidr("10.244.7.0/24"));
        StatusResponse status = jcri.runtime()
                .status(StatusRequest.newBuilder().setVerbose(true).build());
        assertEquals("\"10.244.7.0/24\"", status.getInfoOrThrow("podCIDR"));
        jcri.runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.getDefaultInstance());
    }

    @Test
    void updateRuntimeConfigRejectsANonCidr() {
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class, () -> jcri.runtime().updateRuntimeConfig(podCidr("not-a-cidr")));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("pod_cidr"),
                e.getStatus().getDescription());
    }

    @Test
    void imageFsInfoReportsTheStoreAndGrowsWithIt() throws Exception {
        FilesystemUsage before = jcri.images()
                .imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
                .getImageFilesystems(0);
        Path store = jcri.dir().resolve("root/storage");
        assertEquals(store.toString(), before.getFsId().getMountpoint());
        assertTrue(before.getTimestamp() > 1_600_000_000_000_000_000L, "timestamp in nanoseconds");

        Path blob = store.resolve("probe-" + System.nanoTime());
        Files.createDirectories(store);
        Files.write(blob, new byte[100_000]);
        try {
            FilesystemUsage after = jcri.images()
                    .imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
                    .getImageFilesystems(0);
            assertTrue(after.getUsedBytes().getValue() >= before.getUsedBytes().getValue() + 100_000);
            assertTrue(after.getInodesUsed().getValue() > before.getInodesUsed().getValue());
        } finally {
            Files.delete(blob);
        }
    }

    private static UpdateRuntimeConfigRequest podCidr(String cidr) {
        return UpdateRuntimeConfigRequest.newBuilder()
                .setRuntimeConfig(RuntimeConfig.newBuilder()
                        .setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr)))
                .build();
    }

    static RuntimeCondition condition(StatusResponse status, String type) {
        return status.getStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals(type))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + " in " + status));
    }
}
