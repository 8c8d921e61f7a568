package dev.jcri.e2e.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStats;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.e2e.CgroupHierarchies;
import dev.jcri.e2e.DumpLogOnFailure;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.NodeLeaks;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * jcri with the cgroupfs driver on a pure cgroup v2 node with systemd as PID 1 (the test guest): it serves, and a
 * pod under a kubelet-style cgroupfs parent runs a container whose v2 cgroup carries the limits asked for, takes a
 * live update, runs an exec, and leaves nothing behind once removed. One daemon for the class: it takes minutes to
 * start under emulation.
 */
class CgroupV2NodeTest {
    private static final Path CGROUP_ROOT = CgroupHierarchies.ROOT;

    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    /** The kubelet-style pod cgroups this class made (as kubelet does before RunPodSandbox), deepest last. */
    private static final List<Path> madeCgroups = new ArrayList<>();

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> {
                    registry.pusher()
                            .push("test/busybox", "1", OciImageBuilder.busybox().build());
                    registry.pusher()
                            .push(
                                    "test/pause",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withEntrypoint("/bin/sleep")
                                            .withCmd("2147483647")
                                            .build());
                    // Explicit: on a systemd node the default may become the systemd driver.
                    Files.writeString(dir.resolve("jcri.d/10-cgroupfs.toml"), "cgroup_manager = \"cgroupfs\"\n");
                },
                registry -> List.of("--pause-image", registry.hostPort() + "/test/pause:1"));
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            for (Path cgroup : madeCgroups.reversed()) {
                removeCgroupTree(cgroup);
            }
        }
    }

    @Test
    void theNodeIsPureCgroupV2WithSystemdAsPid1() throws Exception {
        assertEquals("cgroup2", mountTypeOf(CGROUP_ROOT), "/sys/fs/cgroup");
        assertTrue(CgroupHierarchies.unified());
        assertEquals("systemd", Files.readString(Path.of("/proc/1/comm")).strip());
        List<String> controllers =
                List.of(read(CGROUP_ROOT.resolve("cgroup.controllers")).split(" "));
        assertTrue(controllers.containsAll(List.of("cpu", "memory", "pids")), controllers.toString());
    }

    @Test
    void jcriAnswersVersionAndIsReady() {
        assertEquals(
                "jcri",
                jcri.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
        StatusResponse status = jcri.runtime().status(StatusRequest.getDefaultInstance());
        assertTrue(status.getStatus().getConditionsList().stream().allMatch(c -> c.getStatus()), status.toString());
    }

    @Test
    void aContainerUnderAKubeletStyleParentGetsItsLimitsInItsV2Cgroup() throws Exception {
        String uid = UUID.randomUUID().toString();
        String parent = "/kubepods/burstable/pod" + uid;
        makeKubeletPodCgroup(parent);

        String pod = jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(PodSandboxConfig.newBuilder()
                                .setMetadata(PodSandboxMetadata.newBuilder()
                                        .setName("v2")
                                        .setNamespace("guest")
                                        .setUid(uid))
                                .setHostname("v2")
                                .setLogDirectory(jcri.dir().resolve("logs/v2").toString())
                                .setLinux(LinuxPodSandboxConfig.newBuilder()
                                        .setCgroupParent(parent)
                                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                                        .setPid(NamespaceMode.CONTAINER)))))
                        .build())
                .getPodSandboxId();
        Path podCgroup = CGROUP_ROOT.resolve(parent.substring(1));
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName("limited"))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of("sh", "-c", "while true; do sleep 1; done"))
                                .setLogPath("limited.log")
                                .setLinux(LinuxContainerConfig.newBuilder()
                                        .setResources(LinuxContainerResources.newBuilder()
                                                .setMemoryLimitInBytes(64L << 20)
                                                .setCpuPeriod(100_000)
                                                .setCpuQuota(50_000)
                                                .setCpuShares(512))))
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());

        Path cgroup = podCgroup.resolve(id);
        assertTrue(
                Files.isDirectory(cgroup),
                "the container's cgroup " + cgroup + "; pod cgroup holds " + children(podCgroup));
        assertEquals(Long.toString(64L << 20), read(cgroup.resolve("memory.max")));
        assertEquals("50000 100000", read(cgroup.resolve("cpu.max")));
        // crun and runc map shares [2, 262144] linearly onto weight [1, 10000].
        assertEquals(Long.toString(1 + (512 - 2) * 9999L / 262142), read(cgroup.resolve("cpu.weight")));
        long pid = JsonMapper.builder()
                .build()
                .readTree(jcri.runtime()
                        .containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(id)
                                .setVerbose(true)
                                .build())
                        .getInfoOrThrow("info"))
                .get("pid")
                .asLong();
        assertEquals("0::" + parent + "/" + id, read(Path.of("/proc/" + pid + "/cgroup")), "the container's process");

        // IO pressure (the CRI's IoUsage) from the container's and the pod's own v2 cgroups.
        if (Files.exists(cgroup.resolve("io.pressure"))) {
            ContainerStats stats = jcri.runtime()
                    .containerStats(ContainerStatsRequest.newBuilder()
                            .setContainerId(id)
                            .build())
                    .getStats();
            assertTrue(stats.hasIo() && stats.getIo().getPsi().hasSome(), stats.toString());
            assertTrue(stats.getIo().getTimestamp() > 0, stats.toString());
            PodSandboxStats podStats = jcri.runtime()
                    .podSandboxStats(PodSandboxStatsRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build())
                    .getStats();
            assertTrue(
                    podStats.getLinux().hasIo()
                            && podStats.getLinux().getIo().getPsi().hasSome(),
                    podStats.getLinux().toString());
            assertTrue(
                    jcri
                            .runtime()
                            .listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                            .getStatsList()
                            .stream()
                            .allMatch(ContainerStats::hasIo),
                    "every listed container has IO stats");
        } else {
            System.out.println("this kernel has no PSI (boot with psi=1): the stats carry no IoUsage");
        }

        jcri.runtime()
                .updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                        .setContainerId(id)
                        .setLinux(LinuxContainerResources.newBuilder()
                                .setMemoryLimitInBytes(128L << 20)
                                .setCpuPeriod(100_000)
                                .setCpuQuota(50_000)
                                .setCpuShares(512))
                        .build());
        assertEquals(Long.toString(128L << 20), read(cgroup.resolve("memory.max")));

        ExecSyncResponse exec = jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("cat", "/proc/self/cgroup"))
                        .setTimeout(60)
                        .build());
        assertEquals(0, exec.getExitCode(), exec.getStderr().toStringUtf8());
        // The exec joins the container's cgroup: "/" inside a cgroup namespace of its own, else the full path.
        String execCgroup = exec.getStdout().toStringUtf8().strip();
        assertTrue(execCgroup.equals("0::/") || execCgroup.equals("0::" + parent + "/" + id), execCgroup);

        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setTimeout(0)
                        .build());
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
        jcri.runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        jcri.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());

        assertEquals(List.of(), children(podCgroup), "cgroups left under the pod's parent");
        assertEquals(List.of(), NodeLeaks.of(jcri, node.network()));
        assertFalse(
                Files.readString(Path.of("/proc/self/mountinfo"))
                        .contains(jcri.dir().toString()),
                "no mount under the daemon's state dir");
    }

    /** As kubelet does before RunPodSandbox: the pod's cgroup exists; the runtime creates containers below it. */
    private static void makeKubeletPodCgroup(String parent) throws IOException {
        Path path = CGROUP_ROOT;
        for (String part : parent.substring(1).split("/")) {
            path = path.resolve(part);
            if (!Files.isDirectory(path)) {
                Files.createDirectory(path);
                madeCgroups.add(path);
            }
        }
    }

    private static void removeCgroupTree(Path top) throws IOException {
        if (!Files.isDirectory(top)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path cgroup : walk.filter(Files::isDirectory)
                    .sorted(Comparator.reverseOrder())
                    .toList()) {
                Files.deleteIfExists(cgroup);
            }
        }
    }

    private static List<String> children(Path cgroup) throws IOException {
        try (Stream<Path> entries = Files.list(cgroup)) {
            return entries.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        }
    }

    /** Reads a cgroup or proc file in one go (they report size 0). */
    private static String read(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
        }
    }

    private static String mountTypeOf(Path mountPoint) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals(mountPoint.toString())) {
                int separator = List.of(fields).indexOf("-");
                return fields[separator + 1];
            }
        }
        return "(not mounted)";
    }
}
