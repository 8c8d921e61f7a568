package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerEventResponse;
import dev.jcri.cri.v1.ContainerEventType;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.GetEventsRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.KeyValue;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.ReopenContainerLogRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Containers under real conmon and each runtime handler (crun, runc): logs, exits and their reasons, stop with and
 * without a grace period, OOM kills, mounts, exec, updates, events, failures that leave nothing behind, and a
 * restart of jcri in the middle.
 */
@ParameterizedClass(name = "runtime handler {0}")
@ValueSource(strings = {"crun", "runc"})
class ContainerLifecycleTest {
    private static String handler;

    /** The class consumes its argument here; the static set-up below receives the same value. */
    @Parameter
    String runtimeHandler;

    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String pod;
    private static Path logs;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeParameterizedClassInvocation
    static void start(String runtimeHandler) throws Exception {
        handler = runtimeHandler;
        node = TestNode.start(
                true,
                (registry, dir) -> {
                    registry.pusher()
                            .push(
                                    "test/busybox",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withWorkingDir("/tmp")
                                            .withEnv("FROM_IMAGE", "image")
                                            .withEntrypoint("/bin/echo")
                                            .withCmd("from", "image")
                                            .build());
                    registry.pusher()
                            .push(
                                    "test/pause",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withEntrypoint("/bin/sleep")
                                            .withCmd("2147483647")
                                            .withLabel("role", "pause")
                                            .build());
                },
                registry -> List.of("--pause-image", registry.hostPort() + "/test/pause:1"));
        jcri = node.jcri();
        logs = jcri.dir().resolve("logs");
        image = node.pull("test/busybox:1");
        pod = runPod("app");
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static String runPod(String name) {
        PodSandboxConfig.Builder config =
                PodSandboxTest.pod(name).setLogDirectory(logs.resolve(name).toString());
        return jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(config)
                        .setRuntimeHandler(handler)
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

    private static String create(String sandbox, ContainerConfig.Builder config) {
        return jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(sandbox)
                        .setConfig(config)
                        .build())
                .getContainerId();
    }

    private static String run(ContainerConfig.Builder config) {
        String id = create(pod, config);
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

    private static ContainerStatus awaitExit(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ContainerStatus status = status(id);
        while (status.getState() != ContainerState.CONTAINER_EXITED && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = status(id);
        }
        assertEquals(ContainerState.CONTAINER_EXITED, status.getState(), status.toString());
        return status;
    }

    private static void stopContainer(String id, long timeout) {
        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setTimeout(timeout)
                        .build());
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    private static void remove(String id) {
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static List<String> logLines(String podName, String container) throws Exception {
        return Files.readAllLines(logs.resolve(podName).resolve(container + ".log"));
    }

    @Test
    void outputGoesToTheLogInCriFormatAndExitZeroIsCompleted() throws Exception {
        String id = run(container("echo", "sh", "-c", "echo to-stdout; echo to-stderr >&2"));
        try {
            ContainerStatus status = awaitExit(id);
            assertEquals(0, status.getExitCode());
            assertEquals("Completed", status.getReason());
            assertTrue(
                    status.getStartedAt() >= status.getCreatedAt() && status.getFinishedAt() >= status.getStartedAt(),
                    status.toString());
            assertEquals(image, status.getImage().getImage());
            assertTrue(status.getImageRef().startsWith("sha256:"));
            List<String> lines = logLines("app", "echo");
            assertTrue(lines.stream().anyMatch(l -> l.matches("\\S+ stdout F to-stdout")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.matches("\\S+ stderr F to-stderr")), lines.toString());
            assertEquals(logs.resolve("app").resolve("echo.log").toString(), status.getLogPath());
            String info = jcri.runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(id)
                            .setVerbose(true)
                            .build())
                    .getInfoOrThrow("info");
            assertTrue(
                    info.contains("\"pid\"") && info.contains("\"runtimeSpec\"") && info.contains("ociVersion"), info);
        } finally {
            remove(id);
        }
        assertTrue(Files.exists(logs.resolve("app").resolve("echo.log")), "the log stays, kubelet owns it");
    }

    @Test
    void aNonZeroExitIsAnError() throws Exception {
        String id = run(container("fail", "sh", "-c", "exit 3"));
        try {
            ContainerStatus status = awaitExit(id);
            assertEquals(3, status.getExitCode());
            assertEquals("Error", status.getReason());
        } finally {
            remove(id);
        }
    }

    @Test
    void aLongLineIsSplitIntoPartialEntries() throws Exception {
        String id = run(container("long", "sh", "-c", "head -c 20000 /dev/zero | tr '\\0' x; echo"));
        try {
            awaitExit(id);
            List<String> lines = logLines("app", "long");
            assertTrue(lines.stream().anyMatch(l -> l.contains(" stdout P ")), lines.size() + " lines");
            assertTrue(lines.getLast().contains(" stdout F "), lines.getLast());
            long payload = lines.stream()
                    .mapToLong(l -> l.substring(l.indexOf(' ', l.indexOf(' ', l.indexOf(' ') + 1) + 1) + 1)
                            .length())
                    .sum();
            assertEquals(20000, payload);
        } finally {
            remove(id);
        }
    }

    @Test
    void commandArgsEnvAndWorkingDirFollowKubernetesRules() throws Exception {
        String fromImage = run(container("image-defaults").clearCommand());
        String argsOnly = run(container("args-only").clearCommand().addArgs("args"));
        String both = run(container("both", "sh", "-c")
                .addArgs("echo $FROM_IMAGE $OWN $(pwd)")
                .addEnvs(KeyValue.newBuilder().setKey("OWN").setValue(ByteString.copyFromUtf8("own")))
                .setWorkingDir("/etc"));
        try {
            awaitExit(fromImage);
            awaitExit(argsOnly);
            awaitExit(both);
            assertTrue(logLines("app", "image-defaults").getFirst().endsWith(" from image"));
            assertTrue(logLines("app", "args-only").getFirst().endsWith(" args"), "args replace Cmd");
            assertTrue(
                    logLines("app", "both").getFirst().endsWith(" image own /etc"),
                    logLines("app", "both").toString());
        } finally {
            remove(fromImage);
            remove(argsOnly);
            remove(both);
        }
    }

    @Test
    void aReadOnlyBindMountAndASymlinkedHostPath() throws Exception {
        Path data = Files.createDirectories(jcri.dir().resolve("data"));
        Files.writeString(data.resolve("file"), "from-host");
        Path link = jcri.dir().resolve("data-link");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, data);
        String id = run(container(
                        "mounts", "sh", "-c", "cat /data/file; echo; touch /data/new && echo writable || echo readonly")
                .addMounts(Mount.newBuilder()
                        .setContainerPath("/data")
                        .setHostPath(link.toString())
                        .setReadonly(true)));
        try {
            awaitExit(id);
            List<String> lines = logLines("app", "mounts");
            assertTrue(lines.get(0).endsWith(" from-host"), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.endsWith(" stdout F readonly")), lines.toString());
            assertEquals(data.toRealPath().toString(), status(id).getMounts(0).getHostPath());
        } finally {
            remove(id);
        }
    }

    @Test
    void stopKillsAfterTheGracePeriodAContainerThatIgnoresSigterm() throws Exception {
        String id = run(container("stubborn", "sh", "-c", "trap '' TERM; while true; do sleep 1; done"));
        try {
            assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
            long start = System.nanoTime();
            stopContainer(id, 2);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            ContainerStatus status = status(id);
            assertEquals(ContainerState.CONTAINER_EXITED, status.getState());
            assertEquals(137, status.getExitCode());
            assertTrue(took >= 1900, "waited for the grace period: " + took + " ms");
            stopContainer(id, 2);
        } finally {
            remove(id);
        }
    }

    @Test
    void aMemoryHogIsOomKilled() throws Exception {
        String id = run(container("hog", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(20L << 20))));
        try {
            ContainerStatus status = awaitExit(id);
            assertEquals(137, status.getExitCode(), status.toString());
            assertEquals("OOMKilled", status.getReason());
            Path daemonDir = Path.of("/proc", String.valueOf(jcri.process().pid()), "cwd");
            assertFalse(Files.exists(daemonDir.resolve("oom")), "conmon's OOM marker stays in the bundle");
        } finally {
            remove(id);
        }
    }

    @Test
    void failuresAreClearAndLeaveNothing() throws Exception {
        List<String> before = containerIds();
        List<String> held = nodeHolds();
        StatusRuntimeException noImage = assertThrows(
                StatusRuntimeException.class,
                () -> create(
                        pod,
                        container("x", "true").setImage(ImageSpec.newBuilder().setImage("never/pulled:1"))));
        assertEquals(Status.Code.NOT_FOUND, noImage.getStatus().getCode());
        assertTrue(noImage.getStatus().getDescription().contains("never/pulled:1"), noImage.toString());

        // The runtime's create runs at StartContainer (as containerd's does): a missing binary fails the start and
        // leaves the container exited with a StartError, runtime state and conmon gone.
        String nobin = create(pod, container("nobin", "/no/such/binary"));
        StatusRuntimeException noBinary = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .startContainer(StartContainerRequest.newBuilder()
                                .setContainerId(nobin)
                                .build()));
        assertTrue(noBinary.getStatus().getDescription().contains("/no/such/binary"), noBinary.toString());
        assertEquals(ContainerState.CONTAINER_EXITED, status(nobin).getState());
        assertEquals("StartError", status(nobin).getReason());
        remove(nobin);

        StatusRuntimeException forbidden = assertThrows(
                StatusRuntimeException.class,
                () -> create(
                        pod,
                        container("spy", "true")
                                .addMounts(Mount.newBuilder()
                                        .setContainerPath("/state")
                                        .setHostPath(jcri.dir().resolve("root").toString()))));
        assertEquals(Status.Code.INVALID_ARGUMENT, forbidden.getStatus().getCode());
        assertTrue(forbidden.getStatus().getDescription().contains("mounts[0].host_path"), forbidden.toString());
        assertEquals(
                held,
                nodeHoldsOnceSettledAt(held),
                "no mount, cgroup, conmon, bundle or exit file left by a failed create");

        String stopped = runPod("stopped");
        jcri.runtime()
                .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                        .setPodSandboxId(stopped)
                        .build());
        StatusRuntimeException notReady =
                assertThrows(StatusRuntimeException.class, () -> create(stopped, container("late", "true")));
        assertEquals(Status.Code.FAILED_PRECONDITION, notReady.getStatus().getCode());
        assertTrue(notReady.getStatus().getDescription().contains(stopped), notReady.toString());

        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> status("f".repeat(64)));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        stopContainer("f".repeat(64), 0);
        remove("f".repeat(64));

        assertEquals(before, containerIds());
        // A removal's teardown follows its answer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long left;
        do {
            try (var bundles = Files.list(jcri.dir().resolve("run/containers"))) {
                left = bundles.count();
            }
        } while (left != before.size() && System.nanoTime() < deadline && sleep(50));
        assertEquals(before.size(), left, "no bundle left by a failed create or start");
        assertFalse(
                Files.readString(Path.of("/proc/self/mountinfo"))
                                .contains(jcri.dir().resolve("run/containers") + "/")
                        && before.isEmpty(),
                "no rootfs mount left");
    }

    @Test
    void stoppingAPodWithLiveContainersSucceedsAndStopsThemAll() throws Exception {
        // The infra container's end kills its PID namespace's members; stopped first, it left their signals to a
        // runtime that no longer found them ("open pidfd: No such process") whenever their exits came late. A race:
        // ContainerStopTest and ContainersTest pin down both halves of the fix; this checks the whole on a real node.
        for (int i = 0; i < 4; i++) {
            String sandbox = runPod("stop-all-" + i);
            try {
                String running = create(sandbox, container("running", "sleep", "1000"));
                jcri.runtime()
                        .startContainer(StartContainerRequest.newBuilder()
                                .setContainerId(running)
                                .build());
                String created = create(sandbox, container("created", "sleep", "1000"));
                jcri.runtime()
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(sandbox)
                                .build());
                assertEquals(ContainerState.CONTAINER_EXITED, status(running).getState());
                assertEquals(ContainerState.CONTAINER_EXITED, status(created).getState());
            } finally {
                jcri.runtime()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(sandbox)
                                .build());
            }
        }
    }

    /** What the node holds for the pods and containers alive now, in a stable order. */
    private static List<String> nodeHolds() throws IOException {
        return NodeLeaks.of(jcri, null).stream().sorted().toList();
    }

    /**
     * What the node holds once it equals {@code expected}, or after 30 s: RemoveContainer answers before its teardown
     * (the record, bundle and conmon go in the background), so the holds of a just removed container take a moment.
     */
    private static List<String> nodeHoldsOnceSettledAt(List<String> expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> holds = nodeHolds();
        while (!holds.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            holds = nodeHolds();
        }
        return holds;
    }

    @Test
    void aNameCanBeReusedAfterRemoval() {
        String first = create(pod, container("reused", "true"));
        StatusRuntimeException taken =
                assertThrows(StatusRuntimeException.class, () -> create(pod, container("reused", "true")));
        assertEquals(Status.Code.ALREADY_EXISTS, taken.getStatus().getCode());
        assertTrue(taken.getStatus().getDescription().contains(first), taken.toString());
        remove(first);
        remove(create(pod, container("reused", "true")));
    }

    @Test
    void aContainerOutlivesARestartOfJcri() throws Exception {
        String id = run(container("survivor", "sh", "-c", "while true; do sleep 1; done"));
        try {
            jcri = node.killAndRestart();
            assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
            assertTrue(
                    jcri.log().matches("(?s).*recovered pods=[1-9]\\d* containers=[1-9]\\d* cleaned_leftovers=0\\s.*"),
                    "one startup summary line");
            stopContainer(id, 1);
            assertEquals(ContainerState.CONTAINER_EXITED, status(id).getState());
        } finally {
            remove(id);
        }
    }

    @Test
    void containersRunUnderThePodsRuntimeHandler() throws Exception {
        String id = run(container("handled", "sh", "-c", "while true; do sleep 1; done"));
        try {
            assertEquals(
                    handler,
                    jcri.runtime()
                            .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                                    .setPodSandboxId(pod)
                                    .build())
                            .getStatus()
                            .getRuntimeHandler());
            assertTrue(
                    Files.exists(
                            jcri.dir().resolve("run/runtimes").resolve(handler).resolve(id)),
                    "the container's state is in " + handler + "'s root");
        } finally {
            remove(id);
        }
    }

    @Test
    void execSyncGivesOutputExitCodeAndEnforcesItsTimeout() throws Exception {
        String id = run(container("exec-target", "sh", "-c", "while true; do sleep 1; done"));
        try {
            ExecSyncResponse response = jcri.runtime()
                    .execSync(ExecSyncRequest.newBuilder()
                            .setContainerId(id)
                            .addAllCmd(List.of("sh", "-c", "echo out; echo err >&2; exit 7"))
                            .setTimeout(10)
                            .build());
            assertEquals("out\n", response.getStdout().toStringUtf8());
            assertEquals("err\n", response.getStderr().toStringUtf8());
            assertEquals(7, response.getExitCode());

            long start = System.nanoTime();
            StatusRuntimeException timeout = assertThrows(
                    StatusRuntimeException.class,
                    () -> jcri.runtime()
                            .execSync(ExecSyncRequest.newBuilder()
                                    .setContainerId(id)
                                    .addAllCmd(List.of("sleep", "600"))
                                    .setTimeout(1)
                                    .build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, timeout.getStatus().getCode());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
            ExecSyncResponse ps = jcri.runtime()
                    .execSync(ExecSyncRequest.newBuilder()
                            .setContainerId(id)
                            .addAllCmd(List.of("ps"))
                            .setTimeout(10)
                            .build());
            assertFalse(ps.getStdout().toStringUtf8().contains("sleep 600"), "the timed-out command was killed");

            ExecSyncResponse flood = jcri.runtime()
                    .execSync(ExecSyncRequest.newBuilder()
                            .setContainerId(id)
                            .addAllCmd(List.of("sh", "-c", "head -c 20000000 /dev/zero"))
                            .setTimeout(30)
                            .build());
            assertEquals(16 << 20, flood.getStdout().size(), "output capped at 16 MiB");
        } finally {
            stopContainer(id, 0);
        }
        StatusRuntimeException stopped = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .execSync(ExecSyncRequest.newBuilder()
                                .setContainerId(id)
                                .addCmd("true")
                                .build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, stopped.getStatus().getCode());
        remove(id);
        StatusRuntimeException unknown = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .execSync(ExecSyncRequest.newBuilder()
                                .setContainerId(id)
                                .addCmd("true")
                                .build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    }

    @Test
    void reopenContainerLogStartsAFreshFileAfterRotation() throws Exception {
        String id =
                run(container("rotating", "sh", "-c", "i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.1; done"));
        try {
            Path log = logs.resolve("app").resolve("rotating.log");
            Thread.sleep(300);
            Path rotated = log.resolveSibling("rotating.log.1");
            Files.move(log, rotated);
            jcri.runtime()
                    .reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                            .setContainerId(id)
                            .build());
            Thread.sleep(400);
            assertTrue(Files.size(log) > 0, "conmon writes to the new file");
            assertTrue(Files.size(rotated) > 0);
        } finally {
            stopContainer(id, 0);
        }
        Files.delete(logs.resolve("app").resolve("rotating.log"));
        StatusRuntimeException stopped = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                                .setContainerId(id)
                                .build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, stopped.getStatus().getCode());
        assertFalse(Files.exists(logs.resolve("app").resolve("rotating.log")), "no new file for a stopped container");
        remove(id);
    }

    @Test
    void eventsArriveInOrderForCreateStartStopRemove() throws Exception {
        java.util.concurrent.BlockingQueue<ContainerEventResponse> received =
                new java.util.concurrent.LinkedBlockingQueue<>();
        io.grpc.Context.CancellableContext subscription =
                io.grpc.Context.current().withCancellation();
        Thread listener = Thread.ofVirtual()
                .start(() -> subscription.run(() -> {
                    try {
                        jcri.runtime()
                                .withDeadlineAfter(120, TimeUnit.SECONDS)
                                .getContainerEvents(GetEventsRequest.getDefaultInstance())
                                .forEachRemaining(received::add);
                    } catch (StatusRuntimeException ended) {
                        // Cancelled by the test.
                    }
                }));
        try {
            Thread.sleep(300);
            String id = run(container("evented", "sh", "-c", "sleep 0.2"));
            awaitExit(id);
            remove(id);
            List<ContainerEventType> types = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (types.size() < 4 && System.nanoTime() < deadline) {
                ContainerEventResponse event = received.poll(1, TimeUnit.SECONDS);
                if (event != null && event.getContainerId().equals(id)) {
                    types.add(event.getContainerEventType());
                    assertEquals(pod, event.getPodSandboxStatus().getId());
                }
            }
            assertEquals(
                    List.of(
                            ContainerEventType.CONTAINER_CREATED_EVENT,
                            ContainerEventType.CONTAINER_STARTED_EVENT,
                            ContainerEventType.CONTAINER_STOPPED_EVENT,
                            ContainerEventType.CONTAINER_DELETED_EVENT),
                    types);
        } finally {
            subscription.cancel(null);
            listener.join(5000);
        }
    }

    @Test
    void updateContainerResourcesIsLiveAndARefusedValueKeepsTheOldOnes() throws Exception {
        String id = run(container("resizable", "sh", "-c", "while true; do sleep 1; done"));
        Path memory = Path.of("/sys/fs/cgroup/memory")
                .resolve(JcriProcess.cgroupParent(jcri.dir()).substring(1))
                .resolve(id);
        Path cpu = Path.of("/sys/fs/cgroup/cpu")
                .resolve(JcriProcess.cgroupParent(jcri.dir()).substring(1))
                .resolve(id);
        try {
            jcri.runtime()
                    .updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                            .setContainerId(id)
                            .setLinux(LinuxContainerResources.newBuilder()
                                    .setMemoryLimitInBytes(64L << 20)
                                    .setCpuShares(512))
                            .build());
            assertEquals(Long.toString(64L << 20), readCgroup(memory.resolve("memory.limit_in_bytes")));
            assertEquals("512", readCgroup(cpu.resolve("cpu.shares")));
            assertEquals(64L << 20, status(id).getResources().getLinux().getMemoryLimitInBytes());

            StatusRuntimeException refused = assertThrows(
                    StatusRuntimeException.class,
                    () -> jcri.runtime()
                            .updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                                    .setContainerId(id)
                                    .setLinux(LinuxContainerResources.newBuilder()
                                            .setMemoryLimitInBytes(32L << 20)
                                            .setCpuShares(256)
                                            .setCpusetCpus("4096"))
                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.toString());
            assertEquals(Long.toString(64L << 20), readCgroup(memory.resolve("memory.limit_in_bytes")));
            assertEquals("512", readCgroup(cpu.resolve("cpu.shares")));
            assertEquals(64L << 20, status(id).getResources().getLinux().getMemoryLimitInBytes());
        } finally {
            stopContainer(id, 0);
            remove(id);
        }
    }

    @Test
    void conmonLivesInACgroupOfItsOwnSoStoppingTheServiceLeavesContainersRunning() throws Exception {
        String id = run(container("own-conmon", "sh", "-c", "while true; do sleep 1; done"));
        String parent = JcriProcess.cgroupParent(jcri.dir());
        String own = parent + "/conmon-" + id;
        try {
            long conmon = Long.parseLong(Files.readString(
                            jcri.dir().resolve("run/containers").resolve(id).resolve("conmon.pid"))
                    .strip());
            List<String> cgroups = Files.readAllLines(Path.of("/proc/" + conmon + "/cgroup"));
            // Every hierarchy: memory and pids (what a service manager's kill and limits follow), the v2 tree.
            for (String controller : List.of("memory", "pids", "cpu,cpuacct|cpu|cpuacct", "")) {
                assertTrue(
                        cgroups.stream()
                                .anyMatch(l -> l.split(":", 3)[1].matches(
                                                controller.isEmpty() ? "" : "(.*,)?(" + controller + ")(,.*)?")
                                        && l.split(":", 3)[2].equals(own)),
                        "conmon in " + own + " for '" + controller + "': " + cgroups);
            }
        } finally {
            stopContainer(id, 0);
            remove(id);
        }
        // Released by the removal's teardown, which follows its answer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (String hierarchy : List.of("memory", "pids", "unified")) {
            Path dir = Path.of("/sys/fs/cgroup", hierarchy).resolve(own.substring(1));
            while (Files.exists(dir) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(Files.exists(dir), dir + " is removed with the container");
        }
    }

    private static String readCgroup(Path file) throws Exception {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readNBytes(256)).strip();
        }
    }

    @Test
    void aPodSharingOnePidNamespaceSeesItsContainersProcessesUnderItsInfraContainer() throws Exception {
        PodSandboxConfig.Builder config = PodSandboxTest.pod("shared-pid")
                .setLogDirectory(logs.resolve("shared-pid").toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setPid(NamespaceMode.POD);
        String sharedPod = jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(config)
                        .setRuntimeHandler(handler)
                        .build())
                .getPodSandboxId();
        try {
            ContainerConfig.Builder sleeper = container("sleeper", "sleep", "1234");
            sleeper.getLinuxBuilder()
                    .getSecurityContextBuilder()
                    .getNamespaceOptionsBuilder()
                    .setPid(NamespaceMode.POD);
            String a = create(sharedPod, sleeper);
            jcri.runtime()
                    .startContainer(
                            StartContainerRequest.newBuilder().setContainerId(a).build());
            ContainerConfig.Builder looker = container("looker", "sh", "-c", "while true; do sleep 1; done");
            looker.getLinuxBuilder()
                    .getSecurityContextBuilder()
                    .getNamespaceOptionsBuilder()
                    .setPid(NamespaceMode.POD);
            String b = create(sharedPod, looker);
            jcri.runtime()
                    .startContainer(
                            StartContainerRequest.newBuilder().setContainerId(b).build());
            String ps = jcri.runtime()
                    .execSync(ExecSyncRequest.newBuilder()
                            .setContainerId(b)
                            .addAllCmd(List.of("ps", "-o", "pid,args"))
                            .setTimeout(10)
                            .build())
                    .getStdout()
                    .toStringUtf8();
            assertTrue(ps.contains("sleep 1234"), "the other container's process is visible: " + ps);
            assertTrue(
                    ps.lines().anyMatch(l -> l.strip().startsWith("1 ") && l.contains("sleep 2147483647")),
                    "PID 1 is the infra container's pause process: " + ps);
            assertEquals(
                    List.of(a, b).stream().sorted().toList(),
                    jcri
                            .runtime()
                            .listContainers(ListContainersRequest.newBuilder()
                                    .setFilter(dev.jcri.cri.v1.ContainerFilter.newBuilder()
                                            .setPodSandboxId(sharedPod))
                                    .build())
                            .getContainersList()
                            .stream()
                            .map(c -> c.getId())
                            .sorted()
                            .toList(),
                    "the infra container is not listed");
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(sharedPod)
                            .build());
        }
        assertFalse(Files.exists(jcri.dir().resolve("run/ns/pid").resolve(sharedPod)), "the PID pin is released");
        // RemovePodSandbox answers once the removal is durable; the infra container's bundle goes right after, in
        // the background, as a removed container's does.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Slowdown.seconds(10));
        while (bundleNames(sharedPod) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(bundleNames(sharedPod), "the infra container is gone with its pod");
    }

    /** Whether a container bundle's config.json names this pod. */
    private static boolean bundleNames(String pod) throws java.io.IOException {
        try (var bundles = Files.list(jcri.dir().resolve("run/containers"))) {
            return bundles.anyMatch(p -> Files.exists(p.resolve("config.json")) && read(p).contains(pod));
        }
    }

    private static String read(Path bundle) {
        try {
            return Files.readString(bundle.resolve("config.json"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static List<String> containerIds() {
        return jcri.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
                .map(c -> c.getId())
                .toList();
    }
}
