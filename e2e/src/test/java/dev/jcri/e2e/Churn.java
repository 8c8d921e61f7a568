package dev.jcri.e2e;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pod + container cycles against one daemon (run pod, create, start, stop, remove container, stop and remove
 * pod), with the daemon's memory measured before and after: VmRSS, and the live heap after a full GC (through
 * jcmd, when the JDK has it), which unlike RSS does not grow while the JVM merely touches heap it reserved.
 */
public final class Churn {
    /** What a churn run measured; memory in KiB, -1 where it could not be read. */
    public record Figures(
            int cycles, long[] cycleNanos, long rssBeforeKib, long rssAfterKib, long heapBeforeKib, long heapAfterKib) {
        public void print(String label) {
            long[] sorted = cycleNanos.clone();
            Arrays.sort(sorted);
            long total = Arrays.stream(sorted).sum();
            System.out.printf(
                    "%s: %d cycles in %.1f s; per cycle median %.1f ms, p90 %.1f ms, max %.1f ms%n",
                    label,
                    cycles,
                    total / 1e9,
                    sorted[sorted.length / 2] / 1e6,
                    sorted[(int) (sorted.length * 0.9)] / 1e6,
                    sorted[sorted.length - 1] / 1e6);
            System.out.printf(
                    "%s: daemon VmRSS %d KiB before, %d KiB after (%+d KiB); live heap after full GC %d KiB"
                            + " before, %d KiB after (%+d KiB)%n",
                    label,
                    rssBeforeKib,
                    rssAfterKib,
                    rssAfterKib - rssBeforeKib,
                    heapBeforeKib,
                    heapAfterKib,
                    heapAfterKib - heapBeforeKib);
        }
    }

    private Churn() {}

    /**
     * {@code warmup} cycles (class loading, JIT), the memory baseline, then {@code cycles} measured cycles and the
     * memory again.
     */
    public static Figures run(JcriProcess jcri, String image, int warmup, int cycles)
            throws IOException, InterruptedException {
        for (int i = 0; i < warmup; i++) {
            cycle(jcri, image, "warmup-" + i);
        }
        long pid = jcri.process().pid();
        long heapBefore = liveHeapKib(pid);
        long rssBefore = rssKib(pid);
        long[] nanos = new long[cycles];
        for (int i = 0; i < cycles; i++) {
            long start = System.nanoTime();
            cycle(jcri, image, "churn-" + i);
            nanos[i] = System.nanoTime() - start;
        }
        long heapAfter = liveHeapKib(pid);
        return new Figures(cycles, nanos, rssBefore, rssKib(pid), heapBefore, heapAfter);
    }

    /** One pod with one container, through its whole life. */
    public static void cycle(JcriProcess jcri, String image, String name) {
        PodSandboxConfig config = PodSandboxTest.pod(name)
                .setLogDirectory(jcri.dir().resolve("logs").resolve(name).toString())
                .build();
        String pod = jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        String ctr = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of("sleep", "3600"))
                                .setLogPath("app.log"))
                        .setSandboxConfig(config)
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(ctr).build());
        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(ctr)
                        .setTimeout(0)
                        .build());
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(ctr).build());
        jcri.runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        jcri.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());
    }

    public static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Heap in use right after a full GC: the generations' "total ..., used N K" figures of jcmd GC.heap_info. */
    static long liveHeapKib(long pid) throws IOException, InterruptedException {
        Path jcmd = ProcessHandle.current()
                .info()
                .command()
                .map(Path::of)
                .map(java -> java.resolveSibling("jcmd"))
                .filter(Files::isExecutable)
                .orElse(null);
        if (jcmd == null) {
            return -1;
        }
        if (jcmd(jcmd, pid, "GC.run") == null) {
            return -1;
        }
        String info = jcmd(jcmd, pid, "GC.heap_info");
        if (info == null) {
            return -1;
        }
        long used = 0;
        boolean found = false;
        Matcher generation =
                Pattern.compile("(?m)^.*\\btotal \\d+K, used (\\d+)K").matcher(info);
        while (generation.find()) {
            used += Long.parseLong(generation.group(1));
            found = true;
        }
        return found ? used : -1;
    }

    private static String jcmd(Path jcmd, long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.waitFor() == 0 ? output : null;
    }
}
