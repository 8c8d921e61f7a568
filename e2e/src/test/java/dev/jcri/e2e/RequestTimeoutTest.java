package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client deadlines that expire in the middle of RunPodSandbox and CreateContainer (the daemon pauses inside them,
 * JCRI_DELAY_AT): the work is finished and shown, never left holding the name; the same request again is answered
 * with that object, exactly one exists, and nothing leaks.
 */
class RequestTimeoutTest {
    private static final long DELAY_MILLIS = 4000;
    private static TestNode node;
    private static String image;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> node == null ? null : node.jcri());

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("test/busybox", "1", OciImageBuilder.busybox().build()));
        image = node.pull("test/busybox:1");
        // Pauses after CNI ADD and after the bundle is written: the middle of each create.
        node.killAndRestart(Map.of(
                "JCRI_DELAY_AT", "sandbox-cni-added:" + DELAY_MILLIS + ",container-bundle-written:" + DELAY_MILLIS));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node == null) {
            return;
        }
        try {
            for (PodSandbox pod : pods()) {
                node.jcri()
                        .runtime()
                        .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                .setPodSandboxId(pod.getId())
                                .build());
            }
            new HostTraces(node.jcri(), node.network()).assertMatchLists();
            assertEquals(0, node.network().allocations());
        } finally {
            node.close();
        }
    }

    @Test
    void aRetryOfRunPodSandboxAfterItsDeadlineGetsTheSandboxTheFirstCallMade() throws Exception {
        RunPodSandboxRequest request = podRequest("late");
        StatusRuntimeException timedOut = assertThrows(
                StatusRuntimeException.class,
                () -> node.jcri()
                        .runtime()
                        .withDeadlineAfter(1, TimeUnit.SECONDS)
                        .runPodSandbox(request));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, timedOut.getStatus().getCode());

        // At once, while the first call is still at work: the retry waits for it and gets its sandbox.
        String id = node.jcri().runtime().runPodSandbox(request).getPodSandboxId();
        List<PodSandbox> late = podsNamed("late");
        assertEquals(1, late.size(), late.toString());
        assertEquals(id, late.getFirst().getId());
        assertEquals(PodSandboxState.SANDBOX_READY, late.getFirst().getState());
        assertTrue(
                node.jcri().log().contains("sandbox create retried, answering with the earlier one id=" + id),
                "the retry was answered with the first call's sandbox, not a second one");

        // That answer arrived: the same name again is a duplicate.
        StatusRuntimeException duplicate = assertThrows(
                StatusRuntimeException.class, () -> node.jcri().runtime().runPodSandbox(request));
        assertEquals(Status.Code.ALREADY_EXISTS, duplicate.getStatus().getCode());
        assertTrue(duplicate.getStatus().getDescription().contains(id), duplicate.toString());

        remove(id);
        new HostTraces(node.jcri(), node.network()).assertMatchLists();
    }

    @Test
    void aSandboxWhoseClientGaveUpIsFinishedShownAndHandedToALaterRetry() throws Exception {
        RunPodSandboxRequest request = podRequest("abandoned");
        assertThrows(
                StatusRuntimeException.class,
                () -> node.jcri()
                        .runtime()
                        .withDeadlineAfter(2, TimeUnit.SECONDS)
                        .runPodSandbox(request));

        List<PodSandbox> shown = awaitPodsNamed("abandoned");
        assertEquals(1, shown.size(), shown.toString());
        assertEquals(PodSandboxState.SANDBOX_READY, shown.getFirst().getState());
        assertEquals(
                shown.getFirst().getId(),
                node.jcri().runtime().runPodSandbox(request).getPodSandboxId());
        assertEquals(1, podsNamed("abandoned").size());

        remove(shown.getFirst().getId());
        new HostTraces(node.jcri(), node.network()).assertMatchLists();
    }

    @Test
    void aRetryOfCreateContainerAfterItsDeadlineGetsTheContainerTheFirstCallMade() throws Exception {
        String pod = node.jcri()
                .runtime()
                .runPodSandbox(podRequest("with-late-container"))
                .getPodSandboxId();
        try {
            CreateContainerRequest request = CreateContainerRequest.newBuilder()
                    .setPodSandboxId(pod)
                    .setConfig(ContainerConfig.newBuilder()
                            .setMetadata(ContainerMetadata.newBuilder().setName("late"))
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .addCommand("sh")
                            .addCommand("-c")
                            .addCommand("trap 'exit 0' TERM; while true; do sleep 0.2; done")
                            .setLogPath("late.log"))
                    .build();
            StatusRuntimeException timedOut = assertThrows(
                    StatusRuntimeException.class,
                    () -> node.jcri()
                            .runtime()
                            .withDeadlineAfter(1, TimeUnit.SECONDS)
                            .createContainer(request));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, timedOut.getStatus().getCode());

            String id = node.jcri().runtime().createContainer(request).getContainerId();
            List<Container> containers = node.jcri()
                    .runtime()
                    .listContainers(ListContainersRequest.newBuilder()
                            .setFilter(ContainerFilter.newBuilder().setPodSandboxId(pod))
                            .build())
                    .getContainersList();
            assertEquals(1, containers.size(), containers.toString());
            assertEquals(id, containers.getFirst().getId());
            assertEquals(ContainerState.CONTAINER_CREATED, containers.getFirst().getState());
            assertTrue(
                    node.jcri().log().contains("container create retried, answering with the earlier one id=" + id),
                    "the retry was answered with the first call's container");

            StatusRuntimeException duplicate = assertThrows(
                    StatusRuntimeException.class, () -> node.jcri().runtime().createContainer(request));
            assertEquals(Status.Code.ALREADY_EXISTS, duplicate.getStatus().getCode());

            node.jcri()
                    .runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
            new HostTraces(node.jcri(), node.network()).assertMatchLists();
        } finally {
            remove(pod);
        }
        new HostTraces(node.jcri(), node.network()).assertMatchLists();
    }

    /**
     * RemovePodSandbox while one of its containers is mid-create (paused after its bundle is written): whichever
     * wins, no container of the removed pod survives and the node holds nothing of either.
     */
    @Test
    void removingAPodWhileAContainerIsBeingCreatedLeavesNothing() throws Exception {
        String pod = node.jcri()
                .runtime()
                .runPodSandbox(podRequest("removed-mid-create"))
                .getPodSandboxId();
        CreateContainerRequest request = CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("orphan-to-be"))
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .addAllCommand(List.of("sleep", "3600"))
                        .setLogPath("orphan-to-be.log"))
                .build();
        java.util.concurrent.CompletableFuture<Void> create = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                node.jcri().runtime().createContainer(request);
            } catch (StatusRuntimeException refused) {
                // Refused because the pod went away: as good an outcome as created and then removed.
            }
        });
        Thread.sleep(DELAY_MILLIS / 2);
        remove(pod);
        create.get(2 * DELAY_MILLIS + 60_000, TimeUnit.MILLISECONDS);
        assertTrue(podsNamed("removed-mid-create").isEmpty());
        assertEquals(
                0,
                node.jcri()
                        .runtime()
                        .listContainers(ListContainersRequest.newBuilder()
                                .setFilter(ContainerFilter.newBuilder().setPodSandboxId(pod))
                                .build())
                        .getContainersCount());
        new HostTraces(node.jcri(), node.network()).assertMatchLists();
    }

    private static RunPodSandboxRequest podRequest(String name) {
        return RunPodSandboxRequest.newBuilder()
                .setConfig(PodSandboxTest.pod(name)
                        .setLogDirectory(
                                node.jcri().dir().resolve("logs").resolve(name).toString()))
                .build();
    }

    private static List<PodSandbox> pods() {
        return node.jcri()
                .runtime()
                .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList();
    }

    private static List<PodSandbox> podsNamed(String name) {
        return pods().stream()
                .filter(p -> p.getMetadata().getName().equals(name))
                .toList();
    }

    /** The pods of that name once one is listed (the first call finishes after its client left). */
    private static List<PodSandbox> awaitPodsNamed(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<PodSandbox> found = podsNamed(name);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            found = podsNamed(name);
        }
        return found;
    }

    private static void remove(String pod) {
        node.jcri()
                .runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());
    }
}
