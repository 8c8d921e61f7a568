package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.IDMapping;
import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.ReopenContainerLogRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.Signal;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.jcri.cri.v1.UserNamespace;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the CRI conformance suite (critest) checks that other classes do not: calls on IDs that name nothing here,
 * ExecSync's timeout leaving no process behind, the stop signal, pinned images and the runtime's features.
 */
class ConformanceTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String stopSignalImage;
    private static String pod;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                false,
                (registry, dir) -> {
                    registry.pusher()
                            .push(
                                    "test/busybox",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withLayer(l -> l.symlink("/bin/pgrep", "busybox"))
                                            .build());
                    // The short form, as some Dockerfiles write it: jcri records and reports SIGUSR2.
                    registry.pusher()
                            .push(
                                    "test/stopsignal",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withStopSignal("USR2")
                                            .build());
                    // Distinct images (labels), so that pinning one by name cannot pin another by a shared ID.
                    for (String name : List.of("pause", "pinned-a", "pinned-b", "gc-victim")) {
                        registry.pusher()
                                .push(
                                        "test/" + name,
                                        "1",
                                        OciImageBuilder.image()
                                                .withLabel("name", name)
                                                .build());
                    }
                    Files.writeString(dir.resolve("jcri.d/50-pinned.toml"), """
                    [image]
                    pinned_images = ["%s/test/pinned-*"]
                    """.formatted(registry.hostPort()));
                },
                registry -> List.of("--pause-image", registry.hostPort() + "/test/pause:1"));
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        stopSignalImage = node.pull("test/stopsignal:1");
        pod = runPod("conformance");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    static PodSandboxConfig.Builder hostNetworkPod(String name) {
        PodSandboxConfig.Builder config = PodSandboxTest.pod(name)
                .setLogDirectory(jcri.dir().resolve("logs/" + name).toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        return config;
    }

    private static String runPod(String name) {
        return jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(hostNetworkPod(name))
                        .build())
                .getPodSandboxId();
    }

    private static ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + ".log");
    }

    private static String run(ContainerConfig.Builder config) {
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(config)
                        .setSandboxConfig(hostNetworkPod("conformance"))
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ContainerStatus status(String id) {
        return jcri.runtime()
                .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus();
    }

    private static void removeContainer(String id) {
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static String execSync(String id, String... command) {
        ExecSyncResponse response = jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of(command))
                        .setTimeout(10)
                        .build());
        assertEquals(0, response.getExitCode(), response.toString());
        return response.getStdout().toStringUtf8();
    }

    private static Status.Code code(Executable call) {
        try {
            call.execute();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** IDs that name nothing here, as critest and a kubelet after a runtime change send them. */
    private static final List<String> UNKNOWN_IDS = List.of(
            UUID.randomUUID().toString(), "0".repeat(64), "deadbeef", "not-an-id-of-ours", "UPPER", "x".repeat(256));

    /** IDs refused before any lookup, each answered INVALID_ARGUMENT naming the field. */
    private static final List<String> HOSTILE_IDS =
            List.of("", "x".repeat(100 << 10), "../../etc/passwd", "a/b", "a\u0000b", "a\nb", "a\u001bb");

    @Test
    void stopAndRemoveOfAnUnknownIdSucceedAndChangeNothing() {
        String running = run(container("bystander", "tail", "-f", "/dev/null"));
        try {
            int pods = jcri.runtime()
                    .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                    .getItemsCount();
            int containers = jcri.runtime()
                    .listContainers(ListContainersRequest.getDefaultInstance())
                    .getContainersCount();
            for (String id : UNKNOWN_IDS) {
                jcri.runtime()
                        .stopContainer(StopContainerRequest.newBuilder()
                                .setContainerId(id)
                                .setTimeout(0)
                                .build());
                jcri.runtime()
                        .removeContainer(RemoveContainerRequest.newBuilder()
                                .setContainerId(id)
                                .build());
                jcri.runtime()
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(id)
                                .build());
                jcri.runtime()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(id)
                                .build());
            }
            assertEquals(
                    pods,
                    jcri.runtime()
                            .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                            .getItemsCount());
            assertEquals(
                    containers,
                    jcri.runtime()
                            .listContainers(ListContainersRequest.getDefaultInstance())
                            .getContainersCount());
            assertEquals(ContainerState.CONTAINER_RUNNING, status(running).getState());
        } finally {
            removeContainer(running);
        }
    }

    @Test
    void everyOtherCallOnAnUnknownIdAnswersNotFound() {
        for (String id : UNKNOWN_IDS) {
            List<Executable> calls = calls(id);
            for (int i = 0; i < calls.size(); i++) {
                assertEquals(Status.Code.NOT_FOUND, code(calls.get(i)), "call " + i + " with " + id);
            }
        }
    }

    @Test
    void hostileOrEmptyIdsAreInvalidArgumentsNamingTheField() {
        for (String id : HOSTILE_IDS) {
            List<Executable> calls = new ArrayList<>(calls(id));
            calls.add(() -> jcri.runtime()
                    .stopContainer(
                            StopContainerRequest.newBuilder().setContainerId(id).build()));
            calls.add(() -> jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(id)
                            .build()));
            for (Executable call : calls) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
                String description = e.getStatus().getDescription();
                assertTrue(
                        description.startsWith("container_id") || description.startsWith("pod_sandbox_id"),
                        description);
                assertTrue(description.length() < 1000, "the answer quotes the ID cut short");
            }
        }
    }

    private static List<Executable> calls(String id) {
        List<Executable> calls = new ArrayList<>();
        Consumer<Executable> add = calls::add;
        add.accept(() -> status(id));
        add.accept(() -> jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build()));
        add.accept(() -> jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addCmd("true")
                        .build()));
        add.accept(() -> jcri.runtime()
                .exec(ExecRequest.newBuilder()
                        .setContainerId(id)
                        .addCmd("true")
                        .setStdout(true)
                        .build()));
        add.accept(() -> jcri.runtime()
                .attach(AttachRequest.newBuilder()
                        .setContainerId(id)
                        .setStdout(true)
                        .build()));
        add.accept(() -> jcri.runtime()
                .updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                        .setContainerId(id)
                        .setLinux(LinuxContainerResources.newBuilder().setCpuShares(512))
                        .build()));
        add.accept(() -> jcri.runtime()
                .reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                        .setContainerId(id)
                        .build()));
        add.accept(() -> jcri.runtime()
                .containerStats(
                        ContainerStatsRequest.newBuilder().setContainerId(id).build()));
        add.accept(() -> jcri.runtime()
                .podSandboxStatus(
                        PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
        add.accept(() -> jcri.runtime()
                .podSandboxStats(
                        PodSandboxStatsRequest.newBuilder().setPodSandboxId(id).build()));
        add.accept(() -> jcri.runtime()
                .portForward(PortForwardRequest.newBuilder()
                        .setPodSandboxId(id)
                        .addPort(80)
                        .build()));
        add.accept(() -> jcri.runtime()
                .updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                        .setPodSandboxId(id)
                        .build()));
        add.accept(() -> jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(id)
                        .setConfig(container("orphan", "true"))
                        .build()));
        return calls;
    }

    @Test
    void execSyncTimeoutLeavesNoProcessInTheContainerNorOnTheHost() throws Exception {
        // PID 1 never reaps: whatever the timed-out command leaves to it would stay a zombie.
        String id = run(container("exec-timeout", "tail", "-f", "/dev/null"));
        try {
            for (List<String> command : List.of(
                    List.of("sleep", "4321"),
                    List.of("sh", "-c", "sleep 4322 & sleep 4323 & sh -c 'sleep 4324; true'; true"))) {
                long start = System.nanoTime();
                StatusRuntimeException timeout = assertThrows(
                        StatusRuntimeException.class,
                        () -> jcri.runtime()
                                .execSync(ExecSyncRequest.newBuilder()
                                        .setContainerId(id)
                                        .addAllCmd(command)
                                        .setTimeout(1)
                                        .build()));
                assertEquals(Status.Code.DEADLINE_EXCEEDED, timeout.getStatus().getCode());
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
                assertEquals("", execSync(id, "sh", "-c", "pgrep sleep || true").strip(), command.toString());
                String ps = execSync(id, "ps", "-o", "pid,stat,args");
                assertFalse(ps.contains("sleep"), ps);
                assertFalse(
                        ps.lines()
                                .skip(1)
                                .anyMatch(l -> l.strip().split("\\s+")[1].startsWith("Z")),
                        ps);
                assertEquals(List.of(), hostProcesses(id, "sleep 432"), command.toString());
            }
        } finally {
            removeContainer(id);
        }
    }

    @Test
    void stopContainerSendsTheConfiguredSignalElseTheImagesElseSigterm() throws Exception {
        // PID 1 ignores an untrapped SIGTERM, so only the expected signal ends it quickly, with the trap's code.
        String trapped = "trap 'exit 42' USR1; trap 'exit 43' USR2; trap 'exit 44' 37; while true; do sleep 1; done";
        String fromConfig = run(container("signal-config", "sh", "-c", trapped).setStopSignal(Signal.SIGNAL_SIGUSR1));
        String realTime = run(container("signal-rt", "sh", "-c", trapped).setStopSignal(Signal.SIGNAL_SIGRTMINPLUS3));
        String fromImage = run(container("signal-image", "sh", "-c", trapped)
                .setImage(ImageSpec.newBuilder().setImage(stopSignalImage)));
        String byDefault = run(container("signal-default", "sh", "-c", trapped));
        try {
            assertEquals(Signal.SIGNAL_SIGUSR1, status(fromConfig).getStopSignal());
            assertEquals(Signal.SIGNAL_SIGRTMINPLUS3, status(realTime).getStopSignal());
            assertEquals(Signal.SIGNAL_SIGUSR2, status(fromImage).getStopSignal());
            assertEquals(Signal.SIGNAL_SIGTERM, status(byDefault).getStopSignal());
            Thread.sleep(1000); // the traps are set
            assertEquals(42, stopAndExitCode(fromConfig));
            assertEquals(44, stopAndExitCode(realTime));
            assertEquals(43, stopAndExitCode(fromImage));
            assertEquals(Signal.SIGNAL_SIGUSR1, status(fromConfig).getStopSignal(), "kept after the exit");
        } finally {
            for (String id : List.of(fromConfig, realTime, fromImage, byDefault)) {
                removeContainer(id);
            }
        }
    }

    private static int stopAndExitCode(String id) {
        long start = System.nanoTime();
        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setTimeout(30)
                        .build());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "ended by the signal, not SIGKILL");
        ContainerStatus status = status(id);
        assertEquals(ContainerState.CONTAINER_EXITED, status.getState());
        return status.getExitCode();
    }

    @Test
    void thePauseImageAndConfiguredPatternsArePinnedAndSurviveAGcLikeLoop() {
        String pause = imageStatus(node.pull("test/pause:1")).getId();
        String pinnedA = imageStatus(node.pull("test/pinned-a:1")).getId();
        String pinnedB = imageStatus(node.pull("test/pinned-b:1")).getId();
        String victim = imageStatus(node.pull("test/gc-victim:1")).getId();
        Map<String, Boolean> listed = new HashMap<>();
        for (Image listedImage :
                jcri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
            listed.put(listedImage.getId(), listedImage.getPinned());
        }
        assertEquals(true, listed.get(pause));
        assertEquals(true, listed.get(pinnedA));
        assertEquals(true, listed.get(pinnedB));
        assertEquals(false, listed.get(victim));
        assertEquals(false, listed.get(imageStatus(image).getId()), "an image no pattern names");
        assertTrue(imageStatus(node.registryHostPort() + "/test/pinned-a:1").getPinned());
        assertFalse(imageStatus(victim).getPinned());

        // kubelet's image GC: every unpinned image of this test goes, the pinned stay.
        for (Image candidate :
                jcri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
            if (!candidate.getPinned()
                    && List.of(pause, pinnedA, pinnedB, victim).contains(candidate.getId())) {
                removeImage(candidate.getId());
            }
        }
        assertFalse(present(victim), "the unpinned image was collected");
        for (String kept : List.of(pause, pinnedA, pinnedB)) {
            assertTrue(present(kept), kept);
        }

        // Pinning informs kubelet's GC only: asked directly, RemoveImage removes a pinned image (as CRI-O).
        removeImage(pinnedB);
        assertFalse(present(pinnedB));
        removeImage(pinnedA);
        removeImage(pause);
    }

    private static Image imageStatus(String name) {
        return jcri.images()
                .imageStatus(ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(name))
                        .build())
                .getImage();
    }

    private static boolean present(String name) {
        return jcri.images()
                .imageStatus(ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(name))
                        .build())
                .hasImage();
    }

    private static void removeImage(String name) {
        jcri.images()
                .removeImage(RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(name))
                        .build());
    }

    @Test
    void listenTakesAUnixEndpointAndRefusesOtherSchemes() throws Exception {
        Path dir = JcriProcess.newStateDir();
        // Flags given later win: this --listen replaces the harness's plain path with the same socket as an endpoint.
        try (JcriProcess endpoint = JcriProcess.start(dir, List.of("--listen", "unix://" + JcriProcess.socket(dir)))) {
            assertEquals(
                    "jcri",
                    endpoint.runtime()
                            .version(VersionRequest.getDefaultInstance())
                            .getRuntimeName());
        }
        Path refused = JcriProcess.newStateDir();
        try {
            Path log = refused.resolve("out.log");
            Process process = JcriProcess.launch(refused, List.of("--listen", "tcp://127.0.0.1:10010"), log);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            String output = Files.readString(log);
            assertEquals(2, process.exitValue(), output);
            assertTrue(
                    output.contains("flag --listen: jcri serves the CRI only on a unix socket")
                            && output.contains("tcp://127.0.0.1:10010"),
                    output);
            assertFalse(Files.exists(JcriProcess.socket(refused)));
        } finally {
            StateDirCleanup.remove(refused);
        }
    }

    @Test
    void userNamespacesOnTheHostNetworkAreReportedUnsupportedAndRefused() {
        assertFalse(jcri.runtime()
                .status(StatusRequest.getDefaultInstance())
                .getFeatures()
                .getUserNamespacesHostNetwork());
        IDMapping mapping = IDMapping.newBuilder()
                .setContainerId(0)
                .setHostId(1_500_000_000)
                .setLength(65536)
                .build();
        PodSandboxConfig.Builder config = hostNetworkPod("userns-hostnet");
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setUsernsOptions(UserNamespace.newBuilder()
                        .setMode(NamespaceMode.POD)
                        .addUids(mapping)
                        .addGids(mapping));
        int pods = jcri.runtime()
                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsCount();
        StatusRuntimeException refused = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .runPodSandbox(RunPodSandboxRequest.newBuilder()
                                .setConfig(config)
                                .setRuntimeHandler("runc")
                                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.toString());
        assertEquals(
                pods,
                jcri.runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsCount());
    }

    /**
     * Processes on the host that hold {@code text} in their command line, and zombies, in the container's PID
     * namespace (read from the host's /proc, so nothing inside the container can hide them).
     */
    static List<String> hostProcesses(String containerId, String text) throws IOException {
        String info = jcri.runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId)
                        .setVerbose(true)
                        .build())
                .getInfoOrThrow("info");
        long pid = JSON.readTree(info).get("pid").asLong();
        Path namespace = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid"));
        List<String> found = new ArrayList<>();
        try (var entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.toList()) {
                if (!entry.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (!Files.readSymbolicLink(entry.resolve("ns/pid")).equals(namespace)) {
                        continue;
                    }
                    String cmdline = new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    String stat = Files.readString(entry.resolve("stat"));
                    if (cmdline.contains(text)
                            || stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z")) {
                        found.add(entry.getFileName() + " " + cmdline + " " + stat);
                    }
                } catch (IOException e) {
                    // Gone while listed.
                }
            }
        }
        return found;
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
}
