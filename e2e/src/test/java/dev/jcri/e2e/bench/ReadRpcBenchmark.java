package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * jcri's read RPCs alone, the quick loop for work on the gRPC path: the first {@value #COLD_READS} calls of each
 * read just after a restart (wall time), then daemon CPU per call (from /proc/&lt;pid&gt;/stat) over
 * {@code jcri.bench.reads} calls each (default 5,000) with {@code jcri.bench.pods} pods (default 30) of one
 * container each. {@code -Djcri.bench.jfr=FILE} samples the daemon with JFR during the warm reads and prints the
 * methods the samples fall in. jcri runs from {@code bin/jcri}, or with {@code -Djcri.bench.launcher=release} from
 * the release archive ({@code make dist}; its AOT cache is what the cold figures are about).
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class ReadRpcBenchmark {
    private static final int READS = Integer.getInteger("jcri.bench.reads", 5000);
    private static final int PODS = Integer.getInteger("jcri.bench.pods", 30);
    private static final int COLD_READS = 30;
    private static final String LAUNCHER = System.getProperty("jcri.bench.launcher", "checkout");
    private static final String JFR = System.getProperty("jcri.bench.jfr", "");
    private static final Path REPO =
            Path.of(System.getProperty("jcri.repo", "..")).toAbsolutePath().normalize();

    @Test
    void readRpcs() throws Exception {
        try (BenchLauncher jcri = BenchLauncher.of(LAUNCHER, REPO)) {
            List<String> launcher = jcri.command();
            if (!JFR.isEmpty()) {
                launcher.addAll(
                        0, List.of("env", "JCRI_JAVA_OPTS=-XX:StartFlightRecording=jdk.ExecutionSample#period=1ms"));
            }
            measure(launcher);
        }
    }

    private static void measure(List<String> launcher) throws Exception {
        try (TestNode node = TestNode.start(
                launcher,
                true,
                (registry, dir) -> registry.pusher()
                        .push("bench/busybox", "1", OciImageBuilder.busybox().build()),
                registry -> List.of("--log-level", "info"))) {
            String busybox = node.registryHostPort() + "/bench/busybox:1";
            node.jcri()
                    .images()
                    .pullImage(PullImageRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage(busybox))
                            .build());
            List<String> pods = runPods(node, busybox);
            try {
                node.killAndRestart();
                Map<String, Runnable> rpcs = reads(node, busybox, pods);
                System.out.printf(
                        "read RPCs of jcri (%s), %d pods; first %d calls after a restart:%n",
                        LAUNCHER, PODS, COLD_READS);
                for (Map.Entry<String, Runnable> rpc : rpcs.entrySet()) {
                    long[] nanos = new long[COLD_READS];
                    for (int i = 0; i < COLD_READS; i++) {
                        long start = System.nanoTime();
                        rpc.getValue().run();
                        nanos[i] = System.nanoTime() - start;
                    }
                    Samples s = Samples.of(nanos);
                    System.out.printf(
                            "  %-18s first %.2f ms, median %.3f ms, p90 %.3f ms%n",
                            rpc.getKey(), nanos[0] / 1e6, s.medianMillis(), s.p90Millis());
                }
                System.out.printf("warm, %d calls each: daemon CPU and wall time per call%n", READS);
                long pid = node.jcri().process().pid();
                for (Map.Entry<String, Runnable> rpc : rpcs.entrySet()) {
                    for (int i = 0; i < 500; i++) {
                        rpc.getValue().run();
                    }
                    long cpuBefore = ProcessTable.cpuNanos(pid);
                    long start = System.nanoTime();
                    for (int i = 0; i < READS; i++) {
                        rpc.getValue().run();
                    }
                    System.out.printf(
                            "  %-18s CPU %.3f ms, wall %.3f ms%n",
                            rpc.getKey(),
                            (ProcessTable.cpuNanos(pid) - cpuBefore) / 1e6 / READS,
                            (System.nanoTime() - start) / 1e6 / READS);
                }
                if (!JFR.isEmpty()) {
                    Path file = Path.of(JFR).toAbsolutePath();
                    Process dump = new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                            .toString(),
                                    Long.toString(pid),
                                    "JFR.dump",
                                    "filename=" + file)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    dump.waitFor();
                    printHotMethods(file);
                }
            } finally {
                for (String id : pods) {
                    node.jcri()
                            .runtime()
                            .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                                    .setPodSandboxId(id)
                                    .build());
                    node.jcri()
                            .runtime()
                            .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                                    .setPodSandboxId(id)
                                    .build());
                }
            }
        }
    }

    private static Map<String, Runnable> reads(TestNode node, String image, List<String> pods) {
        JcriProcess jcri = node.jcri();
        String pod = pods.getFirst();
        String container = jcri.runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainers(0)
                .getId();
        Map<String, Runnable> rpcs = new LinkedHashMap<>();
        rpcs.put("ListPodSandbox", () -> jcri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
        rpcs.put("ListContainers", () -> jcri.runtime().listContainers(ListContainersRequest.getDefaultInstance()));
        rpcs.put("ListImages", () -> jcri.images().listImages(ListImagesRequest.getDefaultInstance()));
        ImageStatusRequest imageStatus = ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build();
        rpcs.put("ImageStatus", () -> jcri.images().imageStatus(imageStatus));
        PodSandboxStatusRequest podStatus =
                PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build();
        rpcs.put("PodSandboxStatus", () -> jcri.runtime().podSandboxStatus(podStatus));
        ContainerStatusRequest containerStatus =
                ContainerStatusRequest.newBuilder().setContainerId(container).build();
        rpcs.put("ContainerStatus", () -> jcri.runtime().containerStatus(containerStatus));
        rpcs.put("Status", () -> jcri.runtime().status(StatusRequest.getDefaultInstance()));
        return rpcs;
    }

    private static List<String> runPods(TestNode node, String image) throws Exception {
        Path logs = Files.createDirectories(node.jcri().dir().resolve("bench-logs"));
        String cgroupRoot = JcriProcess.cgroupParent(node.jcri().dir());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < PODS; i++) {
            String uid = UUID.randomUUID().toString();
            String name = "read-" + i;
            PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder()
                            .setName(name)
                            .setNamespace("bench")
                            .setUid(uid))
                    .setHostname(name)
                    .setLogDirectory(Files.createDirectories(logs.resolve(uid)).toString())
                    .putLabels("io.kubernetes.pod.name", name)
                    .putLabels("io.kubernetes.pod.namespace", "bench")
                    .putLabels("io.kubernetes.pod.uid", uid)
                    .putAnnotations("kubernetes.io/config.source", "api")
                    .setLinux(LinuxPodSandboxConfig.newBuilder()
                            .setCgroupParent(cgroupRoot + "/pod" + uid)
                            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                    .setNamespaceOptions(NamespaceOption.newBuilder()
                                            .setNetwork(NamespaceMode.POD)
                                            .setPid(NamespaceMode.CONTAINER)
                                            .setIpc(NamespaceMode.POD))))
                    .build();
            String podId = node.jcri()
                    .runtime()
                    .runPodSandbox(
                            RunPodSandboxRequest.newBuilder().setConfig(pod).build())
                    .getPodSandboxId();
            ids.add(podId);
            String id = node.jcri()
                    .runtime()
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(podId)
                            .setConfig(ContainerConfig.newBuilder()
                                    .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                                    .setImage(ImageSpec.newBuilder().setImage(image))
                                    .addCommand("sleep")
                                    .addCommand("3600")
                                    .setLogPath("app.log")
                                    .putLabels("io.kubernetes.container.name", "app"))
                            .setSandboxConfig(pod)
                            .build())
                    .getContainerId();
            node.jcri()
                    .runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
        }
        return ids;
    }

    /** The top frames of the daemon's execution samples, self and inclusive, as shares of all samples. */
    private static void printHotMethods(Path recording) throws Exception {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            total++;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (!frames.isEmpty()) {
                self.merge(name(frames.getFirst()), 1, Integer::sum);
            }
            frames.stream().map(ReadRpcBenchmark::name).distinct().forEach(n -> inclusive.merge(n, 1, Integer::sum));
        }
        System.out.printf("JFR execution samples of the daemon: %d%n", total);
        for (Map<String, Integer> table : List.of(self, inclusive)) {
            System.out.println(table == self ? "  self:" : "  inclusive:");
            int all = total;
            table.entrySet().stream()
                    .sorted((a, b) -> b.getValue() - a.getValue())
                    .limit(table == self ? 40 : 60)
                    .forEach(en -> System.out.printf("    %5.1f%% %s%n", 100.0 * en.getValue() / all, en.getKey()));
        }
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
