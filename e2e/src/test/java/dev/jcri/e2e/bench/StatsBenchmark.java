package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * ListContainerStats latency with 10, 50 and 100 running containers (one pod, {@code sleep} in busybox): median
 * and p90 of 20 calls at each size, after 3 warm-up calls. Prints figures; never fails on time. Run with
 * {@code make bench}.
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class StatsBenchmark {
    private static final int CALLS = 20;
    private static final int WARMUP = 3;

    @Test
    void listContainerStatsAtTenFiftyAndAHundredContainers() throws Exception {
        try (TestNode node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("bench/busybox", "1", OciImageBuilder.busybox().build()),
                registry -> List.of("--log-level", "info"))) {
            measure(node.jcri(), node.jcri().dir(), node.pull("bench/busybox:1"));
        }
    }

    private static void measure(JcriProcess jcri, Path dir, String image) {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName("stats-bench")
                        .setNamespace("bench")
                        .setUid(UUID.randomUUID().toString()))
                .setLogDirectory(dir.resolve("logs").toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(
                                        NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
                .build();
        String sandbox = jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
                .getPodSandboxId();
        System.out.printf(
                "stats benchmark: ListContainerStats, %d calls after %d warm-up calls per size%n", CALLS, WARMUP);
        int running = 0;
        for (int size : new int[] {10, 50, 100}) {
            for (; running < size; running++) {
                String id = jcri.runtime()
                        .createContainer(CreateContainerRequest.newBuilder()
                                .setPodSandboxId(sandbox)
                                .setSandboxConfig(pod)
                                .setConfig(ContainerConfig.newBuilder()
                                        .setMetadata(
                                                ContainerMetadata.newBuilder().setName("sleep-" + running))
                                        .setImage(ImageSpec.newBuilder().setImage(image))
                                        .addCommand("sleep")
                                        .addCommand("3600")
                                        .setLogPath("sleep-" + running + ".log"))
                                .build())
                        .getContainerId();
                jcri.runtime()
                        .startContainer(StartContainerRequest.newBuilder()
                                .setContainerId(id)
                                .build());
            }
            long[] nanos = new long[CALLS];
            for (int call = -WARMUP; call < CALLS; call++) {
                long start = System.nanoTime();
                int count = jcri.runtime()
                        .listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                        .getStatsCount();
                long took = System.nanoTime() - start;
                if (count != size) {
                    throw new IllegalStateException("expected stats of " + size + " containers, got " + count);
                }
                if (call >= 0) {
                    nanos[call] = took;
                }
            }
            Arrays.sort(nanos);
            System.out.printf(
                    "  %3d containers: median %.1f ms, p90 %.1f ms%n",
                    size, nanos[CALLS / 2] / 1e6, nanos[CALLS * 9 / 10] / 1e6);
        }
    }
}
