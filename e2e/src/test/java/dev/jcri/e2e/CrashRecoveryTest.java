package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 at every named step of create, start, stop and remove (the daemon's test crash points, JCRI_CRASH_AT),
 * then a restart without the hook: what ran before still runs, the object the crash cut short is wholly there or
 * wholly gone, the host holds exactly what the lists say, the same request again succeeds, and removing it leaves
 * nothing. A random soak repeats random steps ({@code -Djcri.crash.soak=N}, seed with {@code -Djcri.crash.seed}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashRecoveryTest {
    private static TestNode node;
    private static String image;
    private static String bystanderPod;
    private static String bystander;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> node == null ? null : node.jcri());

    /** What a step's scenario needs before the daemon is armed, what it does to reach the step, and its retry. */
    enum Scenario {
        RUN_POD,
        CREATE_CONTAINER,
        START_CONTAINER,
        STOP_CONTAINER,
        REMOVE_CONTAINER,
        STOP_POD,
        REMOVE_POD
    }

    /** Every crash point of the daemon (CrashPoint.Step), with the operation that reaches it. */
    enum Point {
        SANDBOX_NAME_RESERVED(Scenario.RUN_POD),
        SANDBOX_CREATING_SAVED(Scenario.RUN_POD),
        SANDBOX_SHM_MOUNTED(Scenario.RUN_POD),
        SANDBOX_NAMESPACES_PINNED(Scenario.RUN_POD),
        SANDBOX_CNI_ADDED(Scenario.RUN_POD),
        SANDBOX_READY_SAVED(Scenario.RUN_POD),
        SANDBOX_STOP_CONTAINERS_STOPPED(Scenario.STOP_POD),
        SANDBOX_CNI_DELETED(Scenario.STOP_POD),
        SANDBOX_NETNS_UNPINNED(Scenario.STOP_POD),
        SANDBOX_REMOVING_SAVED(Scenario.REMOVE_POD),
        SANDBOX_REMOVE_CONTAINERS_REMOVED(Scenario.REMOVE_POD),
        SANDBOX_REMOVE_UNPINNED(Scenario.REMOVE_POD),
        CONTAINER_NAME_RESERVED(Scenario.CREATE_CONTAINER),
        CONTAINER_CREATING_SAVED(Scenario.CREATE_CONTAINER),
        CONTAINER_ROOTFS_MOUNTED(Scenario.CREATE_CONTAINER),
        CONTAINER_BUNDLE_WRITTEN(Scenario.CREATE_CONTAINER),
        CONTAINER_CREATED_SAVED(Scenario.CREATE_CONTAINER),
        CONTAINER_CONMON_STARTED(Scenario.START_CONTAINER),
        CONTAINER_EXEC_FIFO_WRITTEN(Scenario.START_CONTAINER),
        CONTAINER_STARTED(Scenario.START_CONTAINER),
        CONTAINER_RUNNING_SAVED(Scenario.START_CONTAINER),
        CONTAINER_STOP_SIGNALLED(Scenario.STOP_CONTAINER),
        CONTAINER_REMOVING_SAVED(Scenario.REMOVE_CONTAINER),
        CONTAINER_ROOTFS_UNMOUNTED(Scenario.REMOVE_CONTAINER),
        CONTAINER_RUNTIME_DELETED(Scenario.REMOVE_CONTAINER),
        CONTAINER_BUNDLE_DELETED(Scenario.REMOVE_CONTAINER);

        final Scenario scenario;

        Point(Scenario scenario) {
            this.scenario = scenario;
        }

        String stepName() {
            return name().toLowerCase().replace('_', '-');
        }

        /** RemoveContainer answers once the record is removing: the steps after it may come after the answer. */
        boolean afterTheAnswer() {
            return this == CONTAINER_RUNTIME_DELETED || this == CONTAINER_BUNDLE_DELETED;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> {
                    registry.pusher()
                            .push("test/busybox", "1", OciImageBuilder.busybox().build());
                    // For the pods sharing one PID namespace: their infra container's image.
                    registry.pusher()
                            .push(
                                    "test/pause",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withEntrypoint("/bin/sleep")
                                            .withCmd("2147483647")
                                            .build());
                },
                registry -> List.of("--pause-image", registry.hostPort() + "/test/pause:1"));
        image = node.pull("test/busybox:1");
        bystanderPod = runPod(podRequest("bystander"));
        bystander = create(containerRequest(bystanderPod, "keeper"));
        start(bystander);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node == null) {
            return;
        }
        try {
            if (node.jcri().process().isAlive()) {
                for (PodSandbox pod : pods()) {
                    node.jcri()
                            .runtime()
                            .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                    .setPodSandboxId(pod.getId())
                                    .build());
                }
                // Nothing of any pod, container or IP remains once everything is removed.
                traces().assertMatchLists();
                assertEquals(0, node.network().allocations());
            }
        } finally {
            node.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Point.class)
    @Order(1)
    void aCrashAtEachStepIsRecovered(Point point) throws Exception {
        String only = System.getProperty("jcri.crash.points", "");
        Assumptions.assumeTrue(
                only.isEmpty() || Arrays.asList(only.split(",")).contains(point.stepName()),
                "not among -Djcri.crash.points");
        Point next = point.ordinal() + 1 < Point.values().length ? Point.values()[point.ordinal() + 1] : null;
        crashAndRecover(point, next);
    }

    @Test
    @Order(2)
    void randomSoak() throws Exception {
        long seed = Long.getLong("jcri.crash.seed", System.nanoTime());
        int rounds = Integer.getInteger("jcri.crash.soak", 3);
        System.out.println("CrashRecoveryTest soak: seed=" + seed + " rounds=" + rounds
                + " (repeat with -Djcri.crash.seed=" + seed + ")");
        Random random = new Random(seed);
        List<Point> plan = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            plan.add(Point.values()[random.nextInt(Point.values().length)]);
        }
        for (int i = 0; i < rounds; i++) {
            System.out.println(
                    "CrashRecoveryTest soak round " + i + ": " + plan.get(i).stepName());
            crashAndRecover(plan.get(i), i + 1 < rounds ? plan.get(i + 1) : null);
        }
    }

    /**
     * A pod sharing one PID namespace: its infra container is made while CNI ADD runs, stopped while CNI DEL runs
     * and removed while the pod's pins go, so a crash finds the two in any mix of states. After the restart the half-made pod is gone wholly (or,
     * stopping, the stop is finished by a retry), and once removed nothing of it remains. (HostTraces does not
     * cover such pods while they exist: their infra container holds traces no list shows.)
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "container-creating-saved",
                "container-conmon-started",
                "container-running-saved",
                "sandbox-cni-added",
                "container-stop-signalled",
                "sandbox-cni-deleted",
                "container-removing-saved",
                "sandbox-remove-unpinned"
            })
    @Order(3)
    void aCrashWhileASharedPidPodRunsOrStopsIsRecovered(String step) throws Exception {
        t0 = System.nanoTime();
        boolean stopping = step.equals("container-stop-signalled") || step.equals("sandbox-cni-deleted");
        boolean removing = step.equals("container-removing-saved") || step.equals("sandbox-remove-unpinned");
        node.killAndRestart(
                Map.of("JCRI_CRASH_AT", step, "JCRI_CRASH_WHEN", trigger().toString()));
        armed = null;
        phase("armed daemon up");
        RunPodSandboxRequest.Builder request = podRequest("shared").toBuilder();
        request.getConfigBuilder()
                .getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setPid(NamespaceMode.POD);
        String pod = stopping || removing ? runPod(request.build()) : null;
        String podToRemove = pod;

        java.nio.file.Files.writeString(trigger(), step);
        try {
            if (stopping) {
                stopPod(pod);
            } else if (removing) {
                node.jcri()
                        .runtime()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(pod)
                                .build());
            } else {
                runPod(request.build());
            }
            fail("the daemon answered instead of dying at " + step);
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        }
        assertTrue(node.jcri().process().waitFor(30, TimeUnit.SECONDS), "the daemon died");
        java.nio.file.Files.delete(trigger());
        assertEquals(137, node.jcri().process().exitValue());
        assertTrue(node.jcri().log().contains("crash point " + step + " reached"), "it died at the crash point");
        node.killAndRestart(Map.of());
        phase("restarted");
        assertBystanderRuns();

        if (removing) {
            // A removal that began is finished by the next start, the infra container's too.
            assertEquals(
                    List.of(bystanderPod),
                    pods().stream().map(PodSandbox::getId).toList());
            traces().assertMatchLists();
            phase("removed and checked");
            return;
        }
        if (stopping) {
            stopPod(pod);
            assertEquals(PodSandboxState.SANDBOX_NOTREADY, podState(pod));
        } else {
            // A create the crash cut short is undone wholly, its infra container too.
            assertEquals(
                    List.of(bystanderPod),
                    pods().stream().map(PodSandbox::getId).toList());
            traces().assertMatchLists();
            podToRemove = runPod(request.build());
        }
        node.jcri()
                .runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(podToRemove)
                        .build());
        assertEquals(
                List.of(bystanderPod), pods().stream().map(PodSandbox::getId).toList());
        traces().assertMatchLists();
        phase("removed and checked");
    }

    private static void stopPod(String pod) {
        node.jcri()
                .runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    }

    private static long t0;
    /** The point the running daemon is armed for, null for none. */
    private static Point armed;

    private static void phase(String what) {
        System.out.printf("  %6d ms %s%n", (System.nanoTime() - t0) / 1_000_000, what);
    }

    /**
     * The daemon armed for {@code point}, but firing only once the trigger file exists: the restart after one
     * crash arms the next point, so each point costs one restart, and the checks in between cannot fire it.
     */
    private static Map<String, String> armedFor(Point point) {
        return Map.of(
                "JCRI_CRASH_AT", point.stepName(), "JCRI_CRASH_WHEN", trigger().toString());
    }

    private static java.nio.file.Path trigger() {
        return node.jcri().dir().resolve("crash-trigger");
    }

    /** @param next the point the following call crashes at, for the restart to arm; null if unknown */
    private static void crashAndRecover(Point point, Point next) throws Exception {
        t0 = System.nanoTime();
        if (armed != point) {
            node.killAndRestart(armedFor(point));
            armed = point;
            phase("armed daemon up");
        }
        RunPodSandboxRequest podRequest = podRequest("victim");
        final String pod = point.scenario == Scenario.RUN_POD ? null : runPod(podRequest);
        String podToRemove = pod;
        CreateContainerRequest containerRequest = pod == null ? null : containerRequest(pod, "victim-ctr");
        String container = switch (point.scenario) {
            case RUN_POD, CREATE_CONTAINER -> null;
            case START_CONTAINER -> create(containerRequest);
            default -> {
                String id = create(containerRequest);
                start(id);
                yield id;
            }
        };

        // The operation that reaches the step; the daemon dies before it answers.
        java.nio.file.Files.writeString(trigger(), point.stepName());
        try {
            switch (point.scenario) {
                case RUN_POD -> runPod(podRequest);
                case CREATE_CONTAINER -> create(containerRequest);
                case START_CONTAINER -> start(container);
                case STOP_CONTAINER ->
                    node.jcri()
                            .runtime()
                            .stopContainer(StopContainerRequest.newBuilder()
                                    .setContainerId(container)
                                    .setTimeout(10)
                                    .build());
                case REMOVE_CONTAINER -> removeContainer(container);
                case STOP_POD ->
                    node.jcri()
                            .runtime()
                            .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                    .setPodSandboxId(pod)
                                    .build());
                case REMOVE_POD ->
                    node.jcri()
                            .runtime()
                            .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                    .setPodSandboxId(pod)
                                    .build());
            }
            if (!point.afterTheAnswer()) {
                fail("the daemon answered instead of dying at " + point.stepName());
            }
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        }
        assertTrue(node.jcri().process().waitFor(30, TimeUnit.SECONDS), "the daemon died");
        java.nio.file.Files.delete(trigger());
        assertEquals(137, node.jcri().process().exitValue());
        assertTrue(
                node.jcri().log().contains("crash point " + point.stepName() + " reached"),
                "it died at the crash point");

        phase("crashed");
        // Without the trigger file the new daemon never fires; it only waits for the next point.
        node.killAndRestart(next == null ? Map.of() : armedFor(next));
        armed = next;
        phase("restarted");
        assertBystanderRuns();
        traces().assertMatchLists();
        phase("checked");

        // The same request again succeeds, and exactly one object of the name exists afterwards.
        switch (point.scenario) {
            case RUN_POD -> {
                String again = runPod(podRequest);
                List<PodSandbox> victims = pods().stream()
                        .filter(p -> p.getMetadata().getName().equals("victim"))
                        .toList();
                assertEquals(1, victims.size(), victims.toString());
                assertEquals(again, victims.getFirst().getId());
                assertEquals(PodSandboxState.SANDBOX_READY, victims.getFirst().getState());
                podToRemove = again;
            }
            case CREATE_CONTAINER -> {
                String again = create(containerRequest);
                List<Container> victims = containersOf(pod);
                assertEquals(1, victims.size(), victims.toString());
                assertEquals(again, victims.getFirst().getId());
                assertEquals(
                        ContainerState.CONTAINER_CREATED, victims.getFirst().getState());
                start(again);
                assertEquals(ContainerState.CONTAINER_RUNNING, state(again));
            }
            case START_CONTAINER -> {
                if (point == Point.CONTAINER_CONMON_STARTED || point == Point.CONTAINER_EXEC_FIFO_WRITTEN) {
                    // Created by the runtime but not started, or started with crun's exec FIFO still there (crun
                    // says created): the launch is undone, and the start works again.
                    assertEquals(ContainerState.CONTAINER_CREATED, state(container));
                    start(container);
                }
                // The runtime started it before the crash: it is found running, and listed so.
                assertEquals(ContainerState.CONTAINER_RUNNING, state(container));
            }
            case STOP_CONTAINER -> {
                node.jcri()
                        .runtime()
                        .stopContainer(StopContainerRequest.newBuilder()
                                .setContainerId(container)
                                .setTimeout(10)
                                .build());
                assertEquals(ContainerState.CONTAINER_EXITED, state(container));
            }
            case REMOVE_CONTAINER -> {
                assertEquals(List.of(), containersOf(pod), "a removal that began is finished");
                removeContainer(container);
            }
            case STOP_POD -> {
                node.jcri()
                        .runtime()
                        .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                .setPodSandboxId(pod)
                                .build());
                assertEquals(PodSandboxState.SANDBOX_NOTREADY, podState(pod));
                assertTrue(containersOf(pod).stream().allMatch(c -> c.getState() == ContainerState.CONTAINER_EXITED));
            }
            case REMOVE_POD -> {
                assertTrue(pods().stream().noneMatch(p -> p.getId().equals(pod)), "a removal that began is finished");
                node.jcri()
                        .runtime()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(pod)
                                .build());
            }
        }
        traces().assertMatchLists();
        phase("retried and checked");

        if (podToRemove != null) {
            node.jcri()
                    .runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(podToRemove)
                            .build());
        }
        assertEquals(
                List.of(bystanderPod), pods().stream().map(PodSandbox::getId).toList());
        assertBystanderRuns();
        traces().assertMatchLists();
        phase("removed and checked");
    }

    private static void assertBystanderRuns() {
        assertEquals(ContainerState.CONTAINER_RUNNING, state(bystander), "the bystander survives the crash");
        assertEquals(PodSandboxState.SANDBOX_READY, podState(bystanderPod));
    }

    private static HostTraces traces() {
        return new HostTraces(node.jcri(), node.network());
    }

    private static RunPodSandboxRequest podRequest(String name) {
        return RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxTest.pod(name)
                        .setLogDirectory(
                                node.jcri().dir().resolve("logs").resolve(name).toString()))
                .build();
    }

    private static CreateContainerRequest containerRequest(String pod, String name) {
        // Ends at SIGTERM, so a stop that a crash cut short still ends it while jcri is down.
        return CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .addAllCommand(Arrays.asList("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"))
                        .setLogPath(name + ".log"))
                .build();
    }

    private static String runPod(RunPodSandboxRequest request) {
        return node.jcri().runtime().runPodSandbox(request).getPodSandboxId();
    }

    private static String create(CreateContainerRequest request) {
        return node.jcri().runtime().createContainer(request).getContainerId();
    }

    private static void start(String id) {
        node.jcri()
                .runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static void removeContainer(String id) {
        node.jcri()
                .runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static ContainerState state(String id) {
        return node.jcri()
                .runtime()
                .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus()
                .getState();
    }

    private static PodSandboxState podState(String id) {
        return pods().stream()
                .filter(p -> p.getId().equals(id))
                .findFirst()
                .orElseThrow()
                .getState();
    }

    private static List<PodSandbox> pods() {
        return node.jcri()
                .runtime()
                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList();
    }

    private static List<Container> containersOf(String pod) {
        return new ArrayList<>(node.jcri()
                .runtime()
                .listContainers(ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(pod))
                        .build())
                .getContainersList());
    }
}
