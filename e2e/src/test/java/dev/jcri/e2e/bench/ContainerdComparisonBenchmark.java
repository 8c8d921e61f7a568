package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageServiceGrpc;
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
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.e2e.CgroupHierarchies;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImage;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * jcri and Debian's containerd side by side on this node, driven by the same CRI client code with the same requests
 * (issue 18's table): the same crun, CNI bridge plugin and loopback registry, each runtime with a bridge of its own.
 * jcri runs from the release ({@code make dist}, built first when older than the jar: its launcher's JVM flags
 * and AOT cache are what ships), or with {@code -Djcri.bench.launcher=checkout} through {@code bin/jcri}.
 *
 * <ol>
 *   <li>start to serving (exec to the first Version answer); jcri's after a kill -9 of its first start;
 *   <li>ImageStatus and ListImages just after start (30 calls), PullImage of busybox (remove, pull; 30 times)
 *       and of a 100 MiB image (5 layers of 20 MiB incompressible data; 4 cold pulls, the runtimes alternating);
 *   <li>pod + container lifecycles, iterations alternating between the runtimes so that load on the machine
 *       weighs on both alike, in two pod shapes: kubelet's (a PID namespace per container, cgroup parent, labels,
 *       log dir) and the CRI default that critest's benchmark pods use (PID namespace shared by the pod: jcri's
 *       infra container);
 *   <li>30 kubelet-shaped pods with one sleeping container each: daemon VmRSS and Pss, per-pod helper Pss (conmon
 *       vs shim), the Pss of the pods' own processes (containerd's pause), daemon CPU per read RPC from
 *       /proc/&lt;pid&gt;/stat, the wall time of reads that each come after 30 ms of idle; jcri's restart after
 *       kill -9 with them and 20 more (50 in all); memory again after removing them.
 * </ol>
 *
 * Prints the table with ratios (and writes it to {@code e2e/target/bench-compare.md}); never fails on a number.
 * {@code -Djcri.bench.runs} (30), {@code -Djcri.bench.reads} (2000), {@code -Djcri.bench.pods} (30);
 * {@code -Djcri.bench.restartPods} (50: running pods when jcri is killed and restarted);
 * {@code -Djcri.bench.jfr=FILE} records jcri with JFR and prints where its RPCs spend their time;
 * {@code -Djcri.bench.nmt=true} prints jcri's Native Memory Tracking summary at each memory row;
 * {@code -Djcri.bench.jvmOptions="..."} adds JVM flags to jcri's (as {@code JCRI_JAVA_OPTS} does). Run with
 * {@code make bench-compare}.
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class ContainerdComparisonBenchmark {
    private static final int RUNS = Integer.getInteger("jcri.bench.runs", 30);
    private static final int WARMUP = 3;
    private static final int READS = Integer.getInteger("jcri.bench.reads", 2000);
    private static final int PODS = Integer.getInteger("jcri.bench.pods", 30);
    private static final int COLD_READS = 30;
    /**
     * Calls before a "warm" read row is measured: enough for jcri's JIT to have compiled the RPC's path (with 100,
     * the first row measured still paid ~0.08 ms per call of compilation).
     */
    private static final int WARM_READS = 1_000;

    private static final int PULLS = 30;
    /** Reads after an idle spell, as kubelet's polls come: how many, and the spell before each. */
    private static final int SPACED_READS = 30;

    private static final long IDLE_MILLIS = 30;
    private static final int LARGE_PULLS = 4;
    private static final int LARGE_LAYERS = 5;
    private static final int LARGE_LAYER_MIB = 20;
    private static final Path REPO =
            Path.of(System.getProperty("jcri.repo", "..")).toAbsolutePath().normalize();

    /** One runtime under test, reached the same way as the other. */
    private record Target(
            String name,
            Supplier<RuntimeServiceGrpc.RuntimeServiceBlockingStub> runtime,
            Supplier<ImageServiceGrpc.ImageServiceBlockingStub> images,
            LongSupplierWithIo pid,
            HelperPids helpers,
            String cgroupRoot,
            Path logRoot) {}

    @FunctionalInterface
    private interface LongSupplierWithIo {
        long get() throws IOException;
    }

    @FunctionalInterface
    private interface HelperPids {
        List<Long> list() throws IOException;
    }

    private final Report report = new Report();

    /** {@code release} (make dist's archive, built when stale: what ships) or {@code checkout} (bin/jcri). */
    private static final String LAUNCHER = System.getProperty("jcri.bench.launcher", "release");
    /** When set, jcri records JFR and this file gets its recording, then {@link JfrBreakdown} prints it. */
    private static final String JFR = System.getProperty("jcri.bench.jfr", "");
    /** When true, jcri runs with Native Memory Tracking and each memory row prints where its memory is. */
    private static final boolean NMT = Boolean.getBoolean("jcri.bench.nmt");
    /** Running pods when jcri is killed and restarted: the issue asks for the recovery of 50. */
    private static final int RESTART_PODS = Integer.getInteger("jcri.bench.restartPods", 50);

    @Test
    void jcriAgainstContainerd() throws Exception {
        ContainerdDaemon.installIfMissing();
        System.out.printf(
                "containerd comparison: jcri from the %s, %d runs after %d warm-up runs per shape, %d pods,"
                        + " %d reads per RPC%n",
                LAUNCHER, RUNS, WARMUP, PODS, READS);
        try (BenchLauncher jcri = BenchLauncher.of(LAUNCHER, REPO)) {
            List<String> launcher = jcri.command();
            List<String> jvmOptions = new ArrayList<>();
            if (!JFR.isEmpty()) {
                // fsyncs and process starts of any length, waits over 1 ms; jcri's own events are on by default.
                jvmOptions.add("-XX:StartFlightRecording=jdk.FileForce#threshold=0ms,"
                        + "jdk.ProcessStart#enabled=true,jdk.ThreadPark#threshold=1ms");
            }
            if (NMT) {
                jvmOptions.add("-XX:NativeMemoryTracking=summary");
            }
            String extra = System.getProperty("jcri.bench.jvmOptions", "");
            if (!extra.isBlank()) {
                jvmOptions.addAll(List.of(extra.strip().split("\\s+")));
            }
            if (!jvmOptions.isEmpty()) {
                launcher.addAll(0, List.of("env", "JCRI_JAVA_OPTS=" + String.join(" ", jvmOptions)));
            }
            compare(launcher);
        }
        if (!JFR.isEmpty()) {
            JfrBreakdown.print(Path.of(JFR));
        }
    }

    private void compare(List<String> launcher) throws Exception {
        try (TestNode node = TestNode.start(
                launcher,
                true,
                (registry, dir) -> {
                    registry.pusher()
                            .push(
                                    "bench/busybox",
                                    "1",
                                    OciImageBuilder.busybox().build());
                    registry.pusher().push("bench/large", "1", largeImage());
                    registry.pusher()
                            .push(
                                    "bench/pause",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withEntrypoint("/bin/sleep")
                                            .withCmd("2147483647")
                                            .build());
                },
                registry -> List.of("--log-level", "info", "--pause-image", registry.hostPort() + "/bench/pause:1"))) {
            String busybox = node.registryHostPort() + "/bench/busybox:1";
            String pause = node.registryHostPort() + "/bench/pause:1";
            // Started after jcri, whose start repairs the hybrid cgroup hierarchy that crun needs here.
            try (ContainerdDaemon containerd = ContainerdDaemon.start(node.registryHostPort(), pause)) {
                long restart = System.nanoTime();
                node.killAndRestart();
                long jcriStart = System.nanoTime() - restart;
                report.single(
                        "start to serving: exec to first Version answer (s)",
                        jcriStart / 1e9,
                        containerd.startToServingNanos() / 1e9,
                        "%.2f");

                Target jcri = new Target(
                        "jcri",
                        () -> node.jcri().runtime(),
                        () -> node.jcri().images(),
                        () -> node.jcri().process().pid(),
                        () -> conmonPids(node.jcri()),
                        JcriProcess.cgroupParent(node.jcri().dir()),
                        Files.createDirectories(node.jcri().dir().resolve("bench-logs")));
                Target ctrd = new Target(
                        "containerd",
                        containerd::runtime,
                        containerd::images,
                        containerd::pid,
                        containerd::shimPids,
                        containerd.cgroupRoot(),
                        Files.createDirectories(containerd.dir().resolve("bench-logs")));
                List<Target> both = List.of(jcri, ctrd);

                for (Target t : both) {
                    pull(t, pause);
                    pull(t, busybox);
                }
                ClientWarmUp.imageReads(busybox);
                coldReads(both, busybox);
                pulls(both, busybox);
                memory("daemon memory, idle", both, false);
                // After the idle row, which stays comparable with earlier snapshots; the rows after it include
                // what 800 MiB of pulls leave in jcri's heap.
                largePulls(both, node.registryHostPort() + "/bench/large:1");

                for (PodShape shape : PodShape.values()) {
                    lifecycles(both, shape, busybox);
                }

                Map<Target, List<String>> pods = new LinkedHashMap<>();
                for (Target t : both) {
                    pods.put(t, runPods(t, busybox, PODS, "steady-"));
                }
                memory("daemon memory, " + PODS + " pods running", both, true);
                reads(both);
                spacedReads(both, pods);
                if (!JFR.isEmpty()) {
                    dumpRecording(node.jcri().process().pid(), Path.of(JFR).toAbsolutePath());
                }
                // More pods for the restart alone: the memory and read rows above stay at PODS.
                List<String> extra = runPods(jcri, busybox, Math.max(0, RESTART_PODS - PODS), "restart-");
                long kill = System.nanoTime();
                node.killAndRestart();
                long recovered = System.nanoTime() - kill;
                int listed = node.jcri()
                        .runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsCount();
                report.single(
                        "restart after kill -9 with " + (PODS + extra.size()) + " running pods, to serving (s; "
                                + listed + " listed)",
                        recovered / 1e9,
                        Double.NaN,
                        "%.2f");
                removePods(jcri, extra);
                for (Target t : both) {
                    removePods(t, pods.get(t));
                }
                memory("daemon memory, after removing them", both, false);
                report.print();
            }
        }
    }

    // ------------------------------------------------------------------------------------------- sequences

    private enum PodShape {
        KUBELET("kubelet-shaped pod (PID namespace per container)"),
        SUITE("suite-shaped pod (CRI default: shared PID namespace, jcri's infra container)");

        final String title;

        PodShape(String title) {
            this.title = title;
        }
    }

    private static final List<String> STEPS = List.of(
            "RunPodSandbox",
            "PodSandboxStatus",
            "CreateContainer",
            "StartContainer",
            "ContainerStatus",
            "StopContainer",
            "RemoveContainer",
            "StopPodSandbox",
            "RemovePodSandbox");

    private void lifecycles(List<Target> targets, PodShape shape, String image) throws Exception {
        Map<Target, List<long[]>> runs = new LinkedHashMap<>();
        targets.forEach(t -> runs.put(t, new ArrayList<>()));
        for (int run = 0; run < WARMUP + RUNS; run++) {
            for (Target t : targets) {
                long[] steps = lifecycle(t, shape, image, shape.name().toLowerCase() + "-" + run);
                if (run >= WARMUP) {
                    runs.get(t).add(steps);
                }
            }
        }
        report.add(shape.title + ", " + RUNS + " runs: median (p90) ms", null, null);
        Map<String, int[]> rows = new LinkedHashMap<>();
        rows.put("pod lifecycle (Run + Status + Stop + Remove)", new int[] {0, 1, 7, 8});
        for (int s = 0; s < STEPS.size(); s++) {
            rows.put(STEPS.get(s), new int[] {s});
        }
        rows.put("container lifecycle (Create + Start + Status + Stop + Remove)", new int[] {2, 3, 4, 5, 6});
        rows.put("whole pod + container lifecycle", new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8});
        for (Map.Entry<String, int[]> row : rows.entrySet()) {
            report.add(
                    row.getKey(),
                    Samples.ofSums(runs.get(targets.get(0)), row.getValue()),
                    Samples.ofSums(runs.get(targets.get(1)), row.getValue()));
        }
    }

    /** One pod with one container through its whole life; nanoseconds per step of {@link #STEPS}. */
    private static long[] lifecycle(Target t, PodShape shape, String image, String name) throws Exception {
        PodSandboxConfig pod = pod(t, shape, name);
        long[] ns = new long[STEPS.size()];
        long mark = System.nanoTime();
        String podId = t.runtime()
                .get()
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
                .getPodSandboxId();
        mark = lap(ns, 0, mark);
        t.runtime()
                .get()
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .build());
        mark = lap(ns, 1, mark);
        String id = t.runtime()
                .get()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .setConfig(sleeper(image, "app"))
                        .setSandboxConfig(pod)
                        .build())
                .getContainerId();
        mark = lap(ns, 2, mark);
        t.runtime()
                .get()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        mark = lap(ns, 3, mark);
        ContainerState state = t.runtime()
                .get()
                .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus()
                .getState();
        mark = lap(ns, 4, mark);
        if (state != ContainerState.CONTAINER_RUNNING) {
            throw new IllegalStateException(t.name() + ": container " + id + " is " + state + " after start");
        }
        t.runtime()
                .get()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setTimeout(10)
                        .build());
        mark = lap(ns, 5, mark);
        t.runtime()
                .get()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
        mark = lap(ns, 6, mark);
        t.runtime()
                .get()
                .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .build());
        mark = lap(ns, 7, mark);
        t.runtime()
                .get()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(podId)
                        .build());
        lap(ns, 8, mark);
        return ns;
    }

    /**
     * Kubelet's shape: PID namespace per container, a pod cgroup parent, labels, annotations, a log dir. The
     * suite's: the CRI defaults (shared PID namespace); containerd still gets a cgroup parent of the benchmark's,
     * as an empty one would place its containers relative to the shim's cgroup.
     */
    private static PodSandboxConfig pod(Target t, PodShape shape, String name) throws IOException {
        String uid = UUID.randomUUID().toString();
        PodSandboxConfig.Builder pod = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("bench")
                        .setUid(uid)
                        .setAttempt(0))
                .setHostname(name)
                .setLogDirectory(
                        Files.createDirectories(t.logRoot().resolve(uid)).toString());
        LinuxPodSandboxConfig.Builder linux = LinuxPodSandboxConfig.newBuilder();
        if (shape == PodShape.KUBELET) {
            pod.putLabels("io.kubernetes.pod.name", name)
                    .putLabels("io.kubernetes.pod.namespace", "bench")
                    .putLabels("io.kubernetes.pod.uid", uid)
                    .putAnnotations("kubernetes.io/config.source", "api");
            linux.setCgroupParent(t.cgroupRoot() + "/pod" + uid)
                    .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                            .setNamespaceOptions(NamespaceOption.newBuilder()
                                    .setNetwork(NamespaceMode.POD)
                                    .setPid(NamespaceMode.CONTAINER)
                                    .setIpc(NamespaceMode.POD)));
        } else if (t.name().equals("containerd")) {
            linux.setCgroupParent(t.cgroupRoot());
        }
        return pod.setLinux(linux).build();
    }

    /** A shell that ends its sleep and exits on SIGTERM (PID 1 has no default signal actions). */
    private static ContainerConfig sleeper(String image, String name) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addCommand("sh")
                .addCommand("-c")
                .addCommand("trap 'kill $!; exit 0' TERM; sleep 3600 & wait")
                .setLogPath(name + ".log")
                .putLabels("io.kubernetes.container.name", name)
                .build();
    }

    private static List<String> runPods(Target t, String image, int count, String namePrefix) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PodSandboxConfig pod = pod(t, PodShape.KUBELET, namePrefix + i);
            String podId = t.runtime()
                    .get()
                    .runPodSandbox(
                            RunPodSandboxRequest.newBuilder().setConfig(pod).build())
                    .getPodSandboxId();
            ids.add(podId);
            String id = t.runtime()
                    .get()
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(podId)
                            .setConfig(sleeper(image, "app"))
                            .setSandboxConfig(pod)
                            .build())
                    .getContainerId();
            t.runtime()
                    .get()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
        }
        return ids;
    }

    private static void removePods(Target t, List<String> ids) {
        for (String id : ids) {
            t.runtime()
                    .get()
                    .stopPodSandbox(StopPodSandboxRequest.newBuilder()
                            .setPodSandboxId(id)
                            .build());
            t.runtime()
                    .get()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(id)
                            .build());
        }
    }

    // ---------------------------------------------------------------------------------------- images, reads

    private static void pull(Target t, String image) {
        t.images()
                .get()
                .pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build());
    }

    private void pulls(List<Target> targets, String image) {
        Map<Target, long[]> nanos = new LinkedHashMap<>();
        targets.forEach(t -> nanos.put(t, new long[PULLS]));
        for (int i = 0; i < PULLS; i++) {
            for (Target t : targets) {
                t.images()
                        .get()
                        .removeImage(RemoveImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .build());
                long start = System.nanoTime();
                pull(t, image);
                nanos.get(t)[i] = System.nanoTime() - start;
            }
        }
        report.add(
                "PullImage, busybox from the loopback registry (" + PULLS + " pulls)",
                Samples.of(nanos.get(targets.get(0))),
                Samples.of(nanos.get(targets.get(1))));
    }

    /** busybox plus {@link #LARGE_LAYERS} layers of {@link #LARGE_LAYER_MIB} MiB of incompressible data. */
    private static OciImage largeImage() throws IOException {
        return OciImageBuilder.busyboxWithRandomLayers(LARGE_LAYERS, LARGE_LAYER_MIB, 18)
                .build();
    }

    /**
     * Cold pulls (RemoveImage first: containerd's CRI deletes the content synchronously, jcri its unreferenced
     * layers) of the large image, the runtimes taking turns at going first; the first of jcri's is its first large
     * pull since its start.
     */
    private void largePulls(List<Target> targets, String image) {
        Map<Target, long[]> nanos = new LinkedHashMap<>();
        targets.forEach(t -> nanos.put(t, new long[LARGE_PULLS]));
        for (int i = 0; i < LARGE_PULLS; i++) {
            List<Target> order = new ArrayList<>(targets);
            if (i % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (Target t : order) {
                long start = System.nanoTime();
                pull(t, image);
                nanos.get(t)[i] = System.nanoTime() - start;
                t.images()
                        .get()
                        .removeImage(RemoveImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .build());
            }
        }
        report.add(
                "PullImage, " + LARGE_LAYERS + " x " + LARGE_LAYER_MIB + " MiB incompressible layers, cold ("
                        + LARGE_PULLS + " pulls, alternating order)",
                Samples.of(nanos.get(targets.get(0))),
                Samples.of(nanos.get(targets.get(1))));
    }

    private void coldReads(List<Target> targets, String image) {
        ImageStatusRequest status = ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image))
                .build();
        List<Samples> statuses = new ArrayList<>();
        List<Samples> lists = new ArrayList<>();
        for (Target t : targets) {
            long[] s = new long[COLD_READS];
            long[] l = new long[COLD_READS];
            for (int i = 0; i < COLD_READS; i++) {
                long start = System.nanoTime();
                t.images().get().imageStatus(status);
                long mid = System.nanoTime();
                t.images().get().listImages(ListImagesRequest.getDefaultInstance());
                s[i] = mid - start;
                l[i] = System.nanoTime() - mid;
            }
            statuses.add(Samples.of(s));
            lists.add(Samples.of(l));
        }
        report.add("ImageStatus, " + COLD_READS + " calls shortly after start", statuses.get(0), statuses.get(1));
        report.add("ListImages, " + COLD_READS + " calls shortly after start", lists.get(0), lists.get(1));
    }

    /** Daemon CPU per call from /proc/<pid>/stat, and the wall time per call, with the pods running. */
    private void reads(List<Target> targets) throws IOException {
        Map<String, java.util.function.Consumer<Target>> rpcs = new LinkedHashMap<>();
        rpcs.put("ListPodSandbox", t -> t.runtime().get().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
        rpcs.put("ListContainers", t -> t.runtime().get().listContainers(ListContainersRequest.getDefaultInstance()));
        rpcs.put("ListImages", t -> t.images().get().listImages(ListImagesRequest.getDefaultInstance()));
        for (Map.Entry<String, java.util.function.Consumer<Target>> rpc : rpcs.entrySet()) {
            double[] cpu = new double[2];
            double[] wall = new double[2];
            for (int i = 0; i < targets.size(); i++) {
                Target t = targets.get(i);
                for (int w = 0; w < WARM_READS; w++) {
                    rpc.getValue().accept(t);
                }
                long pid = t.pid().get();
                long cpuBefore = ProcessTable.cpuNanos(pid);
                long start = System.nanoTime();
                for (int c = 0; c < READS; c++) {
                    rpc.getValue().accept(t);
                }
                wall[i] = (System.nanoTime() - start) / 1e6 / READS;
                cpu[i] = (ProcessTable.cpuNanos(pid) - cpuBefore) / 1e6 / READS;
            }
            report.single(rpc.getKey() + ": daemon CPU per call, warm (ms)", cpu[0], cpu[1], "%.3f");
            report.single(rpc.getKey() + ": wall time per call, warm (ms)", wall[0], wall[1], "%.3f");
        }
    }

    /**
     * Reads that each come after {@link #IDLE_MILLIS} ms of idle, as kubelet's polls do (its relist and status calls
     * are spread over every second), the runtimes taking turns: warm code, but on the caches and TLBs an idle vCPU
     * lost, which the back-to-back rows above never show.
     */
    private void spacedReads(List<Target> targets, Map<Target, List<String>> pods) throws InterruptedException {
        Map<String, java.util.function.Consumer<Target>> rpcs = new LinkedHashMap<>();
        rpcs.put("ListPodSandbox", t -> t.runtime().get().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
        rpcs.put(
                "PodSandboxStatus",
                t -> t.runtime()
                        .get()
                        .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                                .setPodSandboxId(pods.get(t).getFirst())
                                .build()));
        for (Map.Entry<String, java.util.function.Consumer<Target>> rpc : rpcs.entrySet()) {
            Map<Target, long[]> nanos = new LinkedHashMap<>();
            targets.forEach(t -> nanos.put(t, new long[SPACED_READS]));
            for (int i = 0; i < SPACED_READS; i++) {
                for (Target t : targets) {
                    Thread.sleep(IDLE_MILLIS);
                    long start = System.nanoTime();
                    rpc.getValue().accept(t);
                    nanos.get(t)[i] = System.nanoTime() - start;
                }
            }
            report.add(
                    rpc.getKey() + ", warm, each after " + IDLE_MILLIS + " ms idle (" + SPACED_READS + " calls)",
                    Samples.of(nanos.get(targets.get(0))),
                    Samples.of(nanos.get(targets.get(1))));
        }
    }

    // ------------------------------------------------------------------------------------------------ memory

    private void memory(String title, List<Target> targets, boolean withPods) throws IOException {
        double[] rss = new double[2];
        double[] pss = new double[2];
        double[] helper = new double[2];
        double[] podProcesses = new double[2];
        double[] node = new double[2];
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            long pid = t.pid().get();
            rss[i] = ProcessTable.vmRssKb(pid) / 1024.0;
            pss[i] = ProcessTable.pssKb(pid) / 1024.0;
            List<Long> helpers = t.helpers().list();
            long helperKb = helpers.stream().mapToLong(ProcessTable::pssKb).sum();
            helper[i] = helpers.isEmpty() ? Double.NaN : helperKb / 1024.0 / helpers.size();
            long podKb = podProcessPss(t, helpers);
            podProcesses[i] = podKb / 1024.0 / PODS;
            node[i] = (ProcessTable.pssKb(pid) + helperKb + podKb) / 1024.0;
            if (withPods) {
                System.out.printf(
                        "%s: helpers' pids cgroups %s; pod cgroups under %s%n",
                        t.name(), pidsCgroups(helpers), t.cgroupRoot());
            }
        }
        if (NMT) {
            nativeMemory(title, targets.get(0).pid().get());
        }
        report.single(title + ": VmRSS (MB)", rss[0], rss[1], "%.1f");
        report.single(title + ": Pss (MB)", pss[0], pss[1], "%.1f");
        if (withPods) {
            report.single("per-pod helper Pss (MB): conmon vs shim", helper[0], helper[1], "%.2f");
            report.single(
                    "pod processes Pss per pod (MB): the container, plus containerd's pause",
                    podProcesses[0],
                    podProcesses[1],
                    "%.2f");
            report.single(
                    "node overhead at " + PODS + " pods (MB): daemon + helpers + pause", node[0], node[1], "%.1f");
        }
    }

    /** Pss of every process in a cgroup below the target's root (pids hierarchy), helpers excluded. */
    private static long podProcessPss(Target t, List<Long> helpers) throws IOException {
        long kb = 0;
        for (Path cgroup : ContainerdDaemon.cgroupsBelow(t.cgroupRoot())) {
            // One hierarchy only, so no process counts twice: the v2 tree, or v1's pids controller.
            if (!CgroupHierarchies.unified() && !cgroup.startsWith(CgroupHierarchies.ROOT.resolve("pids"))) {
                continue;
            }
            Path procs = cgroup.resolve("cgroup.procs");
            if (!Files.exists(procs)) {
                continue;
            }
            for (String line : Files.readAllLines(procs)) {
                if (!line.isBlank() && !helpers.contains(Long.parseLong(line.strip()))) {
                    kb += ProcessTable.pssKb(Long.parseLong(line.strip()));
                }
            }
        }
        return kb;
    }

    /** The distinct pids-controller cgroups of these processes (where the runtime put its helpers). */
    private static java.util.Set<String> pidsCgroups(List<Long> pids) {
        java.util.Set<String> cgroups = new java.util.TreeSet<>();
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                    String[] parts = line.split(":", 3);
                    if (parts[1].equals("pids") || parts[1].isEmpty() && CgroupHierarchies.unified()) {
                        // Per-container names vary; the parent tells where they live.
                        cgroups.add(parts[2].replaceAll("/[^/]*[0-9a-f]{64}$", "/<id>"));
                    }
                }
            } catch (IOException e) {
                // Gone meanwhile.
            }
        }
        return cgroups;
    }

    private static List<Long> conmonPids(JcriProcess jcri) throws IOException {
        String dir = jcri.dir().toString();
        return ProcessTable.pidsWhoseCommandLine(
                argv -> argv.getFirst().endsWith("conmon") && argv.stream().anyMatch(a -> a.startsWith(dir)));
    }

    /** jcri's Native Memory Tracking summary and its resident memory by mapping, under {@code title}. */
    private static void nativeMemory(String title, long pid) {
        System.out.printf("%s: jcri's memory by mapping (Rss, Private_Dirty kB):%n", title);
        try {
            Map<String, long[]> byMapping = new java.util.TreeMap<>();
            String mapping = "";
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
                String[] f = line.trim().split("\\s+");
                if (f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                    mapping = f.length > 5 ? f[5] : "[anon]";
                } else if (f[0].equals("Rss:") || f[0].equals("Private_Dirty:")) {
                    byMapping.computeIfAbsent(mapping, m -> new long[2])[f[0].equals("Rss:") ? 0 : 1] +=
                            Long.parseLong(f[1]);
                }
            }
            byMapping.forEach((name, kb) -> {
                if (kb[0] >= 512) {
                    System.out.printf("  %8d %8d  %s%n", kb[0], kb[1], name);
                }
            });
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process nmt = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.native_memory", "summary")
                    .redirectErrorStream(true)
                    .start();
            String summary = new String(nmt.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            nmt.waitFor();
            summary.lines()
                    .filter(l -> l.contains("committed=") && (l.startsWith("-") || l.startsWith("Total")))
                    .forEach(l -> System.out.println("  " + l.strip()));
        } catch (IOException e) {
            System.out.println("  (not read: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The daemon's JFR recording so far, written before the kill -9 that would lose it. */
    private static void dumpRecording(long pid, Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "JFR.dump", "filename=" + file)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (dump.waitFor() != 0) {
            System.err.println("jcmd JFR.dump of " + pid + " exited " + dump.exitValue());
        }
    }

    private static long lap(long[] ns, int step, long since) {
        long now = System.nanoTime();
        ns[step] = now - since;
        return now;
    }
}
