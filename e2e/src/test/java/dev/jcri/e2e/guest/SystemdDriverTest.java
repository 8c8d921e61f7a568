package dev.jcri.e2e.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jcri.cri.v1.CgroupDriver;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.e2e.registry.LocalRegistry;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.json.JsonMapper;

/**
 * jcri as a systemd service with the systemd cgroup driver on the cgroup v2 + systemd test guest: the repository's
 * {@code packaging/systemd/jcri.service} (Type=notify, KillMode=process, Delegate=yes), with a drop-in that runs the
 * jar from the share. Shown in order, on one container where possible, because each start of jcri costs minutes
 * under emulation: the driver is the default on such a node and RuntimeConfig says so; a pod under a kubelet slice
 * runs a container in {@code jcri-<id>.scope} with its limits, conmon in {@code jcri-conmon-<id>.scope}; update,
 * stats with PSI, an OOM kill; {@code systemctl restart}, {@code stop} and a kill -9 leave the container running and
 * jcri recovers it; removal leaves no unit, no failed unit and no mount.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdDriverTest {
    private static final Path DIR = Path.of("/var/lib/jcri-systemd-test");
    private static final Path RUNROOT = Path.of("/run/jcri-systemd-test");
    private static final Path SOCKET = RUNROOT.resolve("jcri.sock");
    private static final Path UNIT = Path.of("/etc/systemd/system/jcri.service");
    private static final Path DROP_IN = Path.of("/etc/systemd/system/jcri.service.d/10-guest-test.conf");
    private static final long RPC_SECONDS = 600;
    /** jcri takes 1-3 minutes to start under emulation; systemctl waits for its READY=1. */
    private static final long START_SECONDS = 900;
    /** jcri's log and the guest's journal go to the share, where they outlive the guest (or its sudden end). */
    private static final Path LOGS = Path.of(System.getProperty("jcri.share", DIR.toString()));

    private static final Path LOG = LOGS.resolve("jcri-systemd.log");

    private static Process journal;

    private static LocalRegistry registry;
    private static ManagedChannel channel;
    private static String image;
    private static String podId;
    private static String containerId;
    private static long containerPid;
    private static long conmonPid;
    private static String slice;

    @BeforeAll
    static void startJcriAsAService() throws Exception {
        assumeTrue(
                Files.readString(Path.of("/proc/1/comm")).strip().equals("systemd"),
                "needs systemd as PID 1: the test guest (scripts/guest/test)");
        Files.createDirectories(DIR);
        journal = new ProcessBuilder("journalctl", "-f", "-n", "0", "-o", "short-monotonic")
                .redirectErrorStream(true)
                .redirectOutput(LOGS.resolve("journal-systemd-test.log").toFile())
                .start();
        step("registry");
        // The registry's own readiness wait is short for emulation on a busy host: a slow start is tried again.
        for (int attempt = 1; registry == null; attempt++) {
            try {
                registry = LocalRegistry.start();
            } catch (IOException e) {
                if (attempt == 3) {
                    throw e;
                }
                step("registry not ready (" + e + "), again");
            }
        }
        registry.pusher().push("test/busybox", "1", OciImageBuilder.busybox().build());
        Files.createDirectories(DIR.resolve("cni"));
        Files.writeString(DIR.resolve("registries.conf"), """
                [[registry]]
                prefix = "%1$s"
                location = "%1$s"
                insecure = true
                """.formatted(registry.hostPort()));
        // No cgroup_manager: on a systemd node the default is the systemd driver.
        Files.writeString(DIR.resolve("jcri.toml"), """
                root = "%s"
                runroot = "%s"
                registries_config = "%s"
                log_level = "debug"
                [cni]
                conf_dirs = ["%s"]
                default_network = false
                [metrics]
                address = "127.0.0.1:0"
                """.formatted(
                        DIR.resolve("root"), RUNROOT, DIR.resolve("registries.conf"), DIR.resolve("cni")));
        try (InputStream unit = SystemdDriverTest.class.getResourceAsStream("/packaging/systemd/jcri.service")) {
            Files.write(UNIT, unit.readAllBytes());
        }
        Files.createDirectories(DROP_IN.getParent());
        Files.writeString(DROP_IN, """
                [Service]
                ExecStart=
                ExecStart=%s --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar %s --config %s
                Environment=LC_ALL=C.UTF-8
                StandardOutput=append:%s
                StandardError=append:%s
                TimeoutStartSec=%d
                """.formatted(
                        System.getProperty("jcri.java", "java"),
                        System.getProperty("jcri.jar"),
                        DIR.resolve("jcri.toml"),
                        LOG,
                        LOG,
                        START_SECONDS));
        systemctl("daemon-reload");
        step("systemctl start jcri");
        long started = System.nanoTime();
        systemctl("start", "jcri.service");
        System.out.println(
                "jcri.service ready after " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s");
        channel = Grpc.newChannelBuilder("unix://" + SOCKET, InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20)
                .build();
        image = registry.hostPort() + "/test/busybox:1";
        step("pull");
        images().pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build());
    }

    @AfterAll
    static void stopAndUninstall() throws Exception {
        try {
            if (channel != null) {
                channel.shutdownNow();
            }
            run(List.of("systemctl", "stop", "jcri.service"), START_SECONDS);
            printLogTail();
            // Containers left by a failed test: their scopes (KillMode=process left them running).
            run(List.of("sh", "-c", "systemctl stop 'jcri-*.scope'; systemctl reset-failed 'jcri*'"), 300);
        } finally {
            Files.deleteIfExists(DROP_IN);
            Files.deleteIfExists(DROP_IN.getParent());
            Files.deleteIfExists(UNIT);
            run(List.of("systemctl", "daemon-reload"), 300);
            if (slice != null) {
                // The kubelet-style slices systemd made for the pod's parent (kubelet's own, on a real node).
                run(List.of("systemctl", "stop", "kubepods.slice"), 300);
            }
            if (registry != null) {
                registry.close();
            }
            if (journal != null) {
                journal.destroy();
            }
        }
    }

    /** Progress on the console: a guest that ends suddenly still shows how far it got. */
    private static void step(String what) {
        System.out.println("SystemdDriverTest: " + what);
        System.out.flush();
    }

    @Test
    @Order(1)
    void jcriIsANotifyServiceAndReportsTheSystemdDriver() throws Exception {
        step("jcriIsANotifyServiceAndReportsTheSystemdDriver");
        assertEquals("active", show("ActiveState"));
        assertTrue(
                show("StatusText").startsWith("serving CRI on " + SOCKET),
                "STATUS= from sd_notify: " + show("StatusText"));
        assertEquals(
                CgroupDriver.SYSTEMD,
                runtime()
                        .runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
                        .getLinux()
                        .getCgroupDriver());
        long main = Long.parseLong(show("MainPID"));
        assertEquals("0::/system.slice/jcri.service", read(Path.of("/proc/" + main + "/cgroup")));
    }

    @Test
    @Order(2)
    void aCgroupfsParentIsRefusedAndLeavesNothing() {
        step("aCgroupfsParentIsRefusedAndLeavesNothing");
        StatusRuntimeException refused = assertThrows(
                StatusRuntimeException.class,
                () -> runtime()
                        .runPodSandbox(RunPodSandboxRequest.newBuilder()
                                .setConfig(pod("cgroupfs-parent", "/kubepods/burstable/pod1"))
                                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.toString());
        assertTrue(refused.getStatus().getDescription().contains("linux.cgroup_parent"), refused.toString());
        assertEquals(
                0,
                runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsCount());
    }

    @Test
    @Order(3)
    void aContainerUnderAKubeletSliceRunsInItsOwnScopeWithItsLimitsAndConmonInAnother() throws Exception {
        step("aContainerUnderAKubeletSliceRunsInItsOwnScopeWithItsLimitsAndConmonInAnother");
        String uid = UUID.randomUUID().toString();
        slice = "kubepods-burstable-pod" + uid.replace('-', '_') + ".slice";
        podId = runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(pod("limited", slice))
                        .build())
                .getPodSandboxId();
        containerId = runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .setSandboxConfig(pod("limited", slice))
                        .setConfig(container("limited", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done")
                                .setLinux(LinuxContainerConfig.newBuilder()
                                        .setResources(LinuxContainerResources.newBuilder()
                                                .setMemoryLimitInBytes(64L << 20)
                                                .setCpuPeriod(100_000)
                                                .setCpuQuota(50_000)
                                                .setCpuShares(512))))
                        .build())
                .getContainerId();
        runtime()
                .startContainer(StartContainerRequest.newBuilder()
                        .setContainerId(containerId)
                        .build());

        Path sliceDir = Path.of("/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice")
                .resolve(slice);
        Path scope = sliceDir.resolve("jcri-" + containerId + ".scope");
        assertTrue(Files.isDirectory(scope), scope + "; the slice holds " + children(sliceDir));
        assertEquals("active", unitState("jcri-" + containerId + ".scope"));
        containerPid = pid(containerId);
        String processCgroup = read(Path.of("/proc/" + containerPid + "/cgroup"));
        assertTrue(
                processCgroup.startsWith("0::" + "/kubepods.slice/kubepods-burstable.slice/" + slice + "/jcri-"
                        + containerId + ".scope"),
                processCgroup);
        Path own = Path.of("/sys/fs/cgroup").resolve(processCgroup.substring("0::/".length()));
        assertEquals(Long.toString(64L << 20), read(own.resolve("memory.max")), "in " + own);
        assertEquals("50000 100000", read(own.resolve("cpu.max")));

        conmonPid = Long.parseLong(
                read(RUNROOT.resolve("containers").resolve(containerId).resolve("conmon.pid")));
        String conmonScope = "jcri-conmon-" + containerId + ".scope";
        assertEquals(
                "0::/kubepods.slice/kubepods-burstable.slice/" + slice + "/" + conmonScope,
                read(Path.of("/proc/" + conmonPid + "/cgroup")),
                "conmon, out of jcri.service's cgroup");
        assertEquals("active", unitState(conmonScope));

        runtime()
                .updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                        .setContainerId(containerId)
                        .setLinux(LinuxContainerResources.newBuilder()
                                .setMemoryLimitInBytes(128L << 20)
                                .setCpuPeriod(100_000)
                                .setCpuQuota(50_000)
                                .setCpuShares(512))
                        .build());
        assertEquals(Long.toString(128L << 20), read(own.resolve("memory.max")), "the update landed in " + own);
        ExecSyncResponse inside = runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(containerId)
                        .addAllCmd(List.of("cat", "/sys/fs/cgroup/memory.max"))
                        .setTimeout(120)
                        .build());
        assertEquals(
                Long.toString(128L << 20),
                inside.getStdout().toStringUtf8().strip(),
                "the container sees its own cgroup as the root (cgroup namespace): "
                        + inside.getStderr().toStringUtf8());

        ContainerStats stats = runtime()
                .containerStats(ContainerStatsRequest.newBuilder()
                        .setContainerId(containerId)
                        .build())
                .getStats();
        assertTrue(stats.getCpu().hasUsageCoreNanoSeconds(), stats.toString());
        assertTrue(stats.getMemory().getWorkingSetBytes().getValue() > 0, stats.toString());
        if (Files.exists(own.resolve("cpu.pressure"))) {
            assertTrue(
                    stats.getCpu().hasPsi()
                            && stats.getMemory().hasPsi()
                            && stats.getIo().hasPsi(),
                    stats.toString());
        } else {
            System.out.println("this kernel has no PSI (boot with psi=1): the stats carry none");
        }
    }

    @Test
    @Order(4)
    void anOomKillIsReportedAndItsScopesGo() throws Exception {
        step("anOomKillIsReportedAndItsScopesGo");
        String hog = runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .setSandboxConfig(pod("limited", slice))
                        .setConfig(container("hog", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1")
                                .setLinux(LinuxContainerConfig.newBuilder()
                                        .setResources(LinuxContainerResources.newBuilder()
                                                .setMemoryLimitInBytes(20L << 20))))
                        .build())
                .getContainerId();
        runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(hog).build());
        ContainerStatus status = awaitExit(hog);
        assertEquals("OOMKilled", status.getReason(), status.getReason() + ", exit code " + status.getExitCode());
        // The pod's slice counts the kill too (memory.events counts the subtree): what jcri reads when systemd
        // removed the scope before conmon read the scope's own count.
        String podEvents = read(Path.of("/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice")
                .resolve(slice)
                .resolve("memory.events"));
        assertTrue(
                podEvents
                        .lines()
                        .filter(line -> line.startsWith("oom_kill "))
                        .anyMatch(line -> Long.parseLong(line.substring("oom_kill ".length())) >= 1),
                podEvents);
        runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(hog).build());
        // The scopes go with the removal's teardown, which follows its answer.
        List<String> listScopes = List.of(
                "systemctl",
                "list-units",
                "--all",
                "--plain",
                "--no-legend",
                "jcri-" + hog + ".scope",
                "jcri-conmon-" + hog + ".scope");
        String scopes = run(listScopes, 120).strip();
        for (int i = 0; i < 30 && !scopes.isEmpty(); i++) {
            Thread.sleep(1000);
            scopes = run(listScopes, 120).strip();
        }
        assertEquals("", scopes);
    }

    @Test
    @Order(5)
    void systemctlRestartKeepsTheContainerRunningAndJcriRecoversIt() throws Exception {
        step("systemctlRestartKeepsTheContainerRunningAndJcriRecoversIt");
        long before = Long.parseLong(show("MainPID"));
        systemctl("restart", "jcri.service");
        assertNotEquals(before, Long.parseLong(show("MainPID")));
        assertRunningAndRecovered();
    }

    @Test
    @Order(6)
    void systemctlStopLeavesContainersRunning() throws Exception {
        step("systemctlStopLeavesContainersRunning");
        systemctl("stop", "jcri.service");
        try {
            assertEquals("inactive", show("ActiveState"), "an orderly stop, not a failure");
            assertTrue(alive(containerPid), "the container");
            assertTrue(alive(conmonPid), "its conmon");
        } finally {
            systemctl("start", "jcri.service");
        }
        assertRunningAndRecovered();
    }

    @Test
    @Order(7)
    void afterKill9SystemdRestartsJcriAndTheContainerIsRecovered() throws Exception {
        step("afterKill9SystemdRestartsJcriAndTheContainerIsRecovered");
        long before = Long.parseLong(show("MainPID"));
        // Never "kill -9 0" (this test's own process group) when jcri is not running.
        assertTrue(before > 1, "jcri.service has no main process: " + show("ActiveState"));
        int restarts = Integer.parseInt(show("NRestarts"));
        run(List.of("kill", "-9", Long.toString(before)), 60);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (!(show("ActiveState").equals("active") && Integer.parseInt(show("NRestarts")) > restarts)) {
            assertTrue(System.nanoTime() < deadline, "systemd did not restart jcri: " + show("ActiveState"));
            Thread.sleep(2000);
        }
        assertRunningAndRecovered();
    }

    @Test
    @Order(8)
    void removalLeavesNoUnitNoFailedUnitAndNoMount() throws Exception {
        step("removalLeavesNoUnitNoFailedUnitAndNoMount");
        runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(containerId)
                        .setTimeout(30)
                        .build());
        runtime()
                .removeContainer(RemoveContainerRequest.newBuilder()
                        .setContainerId(containerId)
                        .build());
        runtime()
                .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .build());
        runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .build());
        assertEquals(
                "",
                run(List.of("systemctl", "list-units", "--all", "--plain", "--no-legend", "jcri-*.scope"), 120)
                        .strip(),
                "jcri's scopes");
        assertFalse(
                run(List.of("systemctl", "list-units", "--failed", "--plain", "--no-legend"), 120)
                        .contains("jcri"),
                "failed units");
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(RUNROOT.toString()) || mounts.contains(DIR.toString()), "mounts of jcri");
        assertEquals("active", show("ActiveState"));
    }

    private static void assertRunningAndRecovered() throws Exception {
        assertEquals("active", show("ActiveState"));
        assertTrue(alive(containerPid), "the container");
        ContainerStatus status = runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId)
                        .build())
                .getStatus();
        assertEquals(ContainerState.CONTAINER_RUNNING, status.getState(), status.toString());
        assertEquals(containerPid, pid(containerId));
        ExecSyncResponse exec = runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(containerId)
                        .addAllCmd(List.of("echo", "recovered"))
                        .setTimeout(120)
                        .build());
        assertEquals(0, exec.getExitCode(), exec.getStderr().toStringUtf8());
        assertEquals("recovered", exec.getStdout().toStringUtf8().strip());
        // The limit set before the restart is still in force.
        String processCgroup = read(Path.of("/proc/" + containerPid + "/cgroup"));
        assertEquals(
                Long.toString(128L << 20),
                read(Path.of("/sys/fs/cgroup")
                        .resolve(processCgroup.substring("0::/".length()))
                        .resolve("memory.max")));
    }

    private static boolean alive(long pid) {
        return pid > 1 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static PodSandboxConfig pod(String name, String cgroupParent) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("guest")
                        .setUid(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))
                                .toString()))
                .setHostname(name)
                .setLogDirectory(DIR.resolve("logs").resolve(name).toString())
                // Host network: no CNI in this test, the driver is what it shows.
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(cgroupParent)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setNetwork(NamespaceMode.NODE)
                                        .setPid(NamespaceMode.CONTAINER))))
                .build();
    }

    private static ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + ".log");
    }

    private static long pid(String id) {
        String info = runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(id)
                        .setVerbose(true)
                        .build())
                .getInfoOrThrow("info");
        return JsonMapper.builder().build().readTree(info).get("pid").asLong();
    }

    private static ContainerStatus awaitExit(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RPC_SECONDS);
        while (true) {
            ContainerStatus status = runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(id)
                            .build())
                    .getStatus();
            if (status.getState() == ContainerState.CONTAINER_EXITED) {
                return status;
            }
            assertTrue(System.nanoTime() < deadline, "still " + status.getState());
            Thread.sleep(1000);
        }
    }

    private static RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
    }

    private static ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel)
                .withWaitForReady()
                .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
    }

    private static String show(String property) throws Exception {
        return run(List.of("systemctl", "show", "--value", "-p", property, "jcri.service"), 120)
                .strip();
    }

    private static String unitState(String unit) throws Exception {
        return run(List.of("systemctl", "show", "--value", "-p", "ActiveState", unit), 120)
                .strip();
    }

    private static void systemctl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("systemctl"));
        command.addAll(List.of(args));
        run(command, START_SECONDS, true);
    }

    private static String run(List<String> command, long timeoutSeconds) throws Exception {
        return run(command, timeoutSeconds, false);
    }

    private static String run(List<String> command, long timeoutSeconds, boolean mustSucceed) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mustSucceed && process.exitValue() != 0) {
            printLogTail();
            throw new AssertionError(command + " failed (exit " + process.exitValue() + "): " + output);
        }
        return output;
    }

    private static void printLogTail() {
        try {
            List<String> lines = Files.readAllLines(LOG);
            System.out.println("--- jcri.log, last lines ---");
            lines.subList(Math.max(0, lines.size() - 150), lines.size()).forEach(System.out::println);
        } catch (IOException e) {
            System.out.println("no jcri.log: " + e.getMessage());
        }
    }

    private static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
        }
    }

    private static List<String> children(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
