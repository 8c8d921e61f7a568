package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The whole life of a one-container pod, {@code true} in busybox, over the CRI against the same steps done by hand
 * with no daemon at all (the floor): {@code unshare} pins, the CNI bridge plugin run directly, an overlay mount and
 * {@code crun run}. {@code jcri.bench.runs} timed runs (default 50) after 3 warm-up runs. Prints median and p90 per
 * step and for the whole; never fails on time. Run with {@code make bench}.
 */
@EnabledIfSystemProperty(named = "jcri.bench", matches = "true")
class LifecycleBenchmark {
    private static final int RUNS = Integer.getInteger("jcri.bench.runs", 50);
    private static final int WARMUP = 3;
    private static final long POLL_MILLIS = 2;
    private static final Path CNI_BIN = Path.of("/usr/lib/cni");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final String FLOOR_CGROUP = "jcri-bench-floor";

    @Test
    void podLifecycleAgainstTheFloor() throws Exception {
        System.out.printf(
                "lifecycle benchmark: pod + container `true` (busybox), %d runs after %d warm-up runs%n", RUNS, WARMUP);
        Timings jcri = runJcri();
        jcri.print("jcri over the CRI");

        String controllers =
                readOrEmpty(CGROUP_ROOT.resolve("unified/cgroup.controllers")).strip();
        Assumptions.assumeTrue(
                controllers.isEmpty(),
                "floor skipped: the cgroup v2 tree still holds controllers (" + controllers
                        + "), so crun refuses this hybrid host; jcri normally repairs that at startup");
        Timings floor = runFloor();
        floor.print("floor (by hand, no daemon)");

        double jcriMedian = jcri.totalMedianMillis();
        double floorMedian = floor.totalMedianMillis();
        System.out.printf(
                "comparison: jcri total median %.1f ms vs floor total median %.1f ms: %.2fx "
                        + "(%.1f ms of overhead per pod)%n",
                jcriMedian, floorMedian, jcriMedian / floorMedian, jcriMedian - floorMedian);
    }

    // ---------------------------------------------------------------------------------------------------- jcri

    private static final List<String> JCRI_STEPS = List.of(
            "RunPodSandbox",
            "CreateContainer",
            "StartContainer",
            "wait EXITED",
            "StopContainer",
            "RemoveContainer",
            "StopPodSandbox",
            "RemovePodSandbox");

    private static Timings runJcri() throws Exception {
        // info, not the harness's debug: a debug line per RPC would weigh on the 2 ms status polls.
        try (TestNode node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("bench/busybox", "1", OciImageBuilder.busybox().build()),
                registry -> List.of("--log-level", "info"))) {
            JcriProcess jcri = node.jcri();
            String image = node.pull("bench/busybox:1");
            long pid = jcri.process().pid();
            String rssBefore = vmRss(pid);
            Timings timings = new Timings(JCRI_STEPS);
            try {
                for (int run = 0; run < WARMUP + RUNS; run++) {
                    long[] steps = jcriRun(jcri, jcri.dir(), image, run);
                    if (run >= WARMUP) {
                        timings.add(steps);
                    }
                }
            } catch (Throwable t) {
                System.err.println("----- jcri log -----\n" + jcri.log() + "\n----- end of jcri log -----");
                throw t;
            }
            String rssAfter = vmRss(pid);
            System.out.printf(
                    "jcri RSS (VmRSS of pid %d): %s before the runs, %s after %d runs%n",
                    pid, rssBefore, rssAfter, WARMUP + RUNS);
            return timings;
        }
    }

    /** One pod's whole life; returns the nanoseconds of each step of {@link #JCRI_STEPS}. */
    private static long[] jcriRun(JcriProcess jcri, Path dir, String image, int run) throws Exception {
        long[] t = new long[JCRI_STEPS.size()];
        String name = "bench-" + run;
        PodSandboxConfig config = pod(name)
                .setLogDirectory(dir.resolve("logs").resolve(name).toString())
                .build();
        ContainerConfig container = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("true"))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addCommand("true")
                .setLogPath("true.log")
                .build();

        long start = System.nanoTime();
        String pod = jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        long mark = lap(t, 0, start);

        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(container)
                        .setSandboxConfig(config)
                        .build())
                .getContainerId();
        mark = lap(t, 1, mark);

        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        mark = lap(t, 2, mark);

        ContainerStatusRequest statusRequest =
                ContainerStatusRequest.newBuilder().setContainerId(id).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ContainerStatus status = jcri.runtime().containerStatus(statusRequest).getStatus();
        while (status.getState() != ContainerState.CONTAINER_EXITED) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("container " + id + " did not exit within 30 s: " + status);
            }
            Thread.sleep(POLL_MILLIS);
            status = jcri.runtime().containerStatus(statusRequest).getStatus();
        }
        mark = lap(t, 3, mark);
        if (status.getExitCode() != 0) {
            throw new IllegalStateException("`true` exited " + status.getExitCode() + ": " + status);
        }

        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setTimeout(10)
                        .build());
        mark = lap(t, 4, mark);

        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
        mark = lap(t, 5, mark);

        jcri.runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        mark = lap(t, 6, mark);

        jcri.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());
        lap(t, 7, mark);
        return t;
    }

    /** As {@code PodSandboxTest.pod} builds it: the pod's own network, IPC and UTS; a PID namespace per container. */
    private static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("e2e")
                        .setUid(UUID.randomUUID().toString())
                        .setAttempt(0))
                .setHostname(name)
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(
                                        NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
    }

    private static String vmRss(long pid) throws IOException {
        Matcher m = Pattern.compile("(?m)^VmRSS:\\s*(\\d+) kB")
                .matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
        return m.find() ? String.format("%.1f MiB", Long.parseLong(m.group(1)) / 1024.0) : "unknown";
    }

    // --------------------------------------------------------------------------------------------------- floor

    private static final List<String> FLOOR_STEPS = List.of(
            "pins (unshare)",
            "CNI ADD",
            "rootfs mount + bundle",
            "crun run",
            "rootfs umount",
            "CNI DEL",
            "unpin + delete");

    /** What one floor run made, so that a failure undoes exactly that. */
    private static final class FloorRun {
        final String id;
        final Path dir;
        final Path[] pins;
        final Path rootfs;
        boolean pinned;
        boolean cniAdded;
        boolean mounted;
        boolean crunStarted;

        FloorRun(String id, Path dir) {
            this.id = id;
            this.dir = dir;
            this.pins = new Path[] {dir.resolve("net"), dir.resolve("ipc"), dir.resolve("uts")};
            this.rootfs = dir.resolve("rootfs");
        }
    }

    private static Timings runFloor() throws Exception {
        Path tmp = Files.createTempDirectory("jcri-bench-floor-");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String bridge =
                "jcbf" + Integer.toHexString(0x10000 + random.nextInt(0xf0000)).substring(0, 5);
        String cniConfig = """
                {"cniVersion":"1.0.0","name":"bench-floor","type":"bridge","bridge":"%s","isGateway":true,\
                "ipam":{"type":"host-local","subnet":"10.253.%d.0/24","dataDir":"%s"}}""".formatted(bridge, random.nextInt(1, 254), tmp.resolve("ipam"));
        Path crunRoot = Files.createDirectories(tmp.resolve("crun"));
        Timings timings = new Timings(FLOOR_STEPS);
        try {
            Path lower = lowerDir(tmp.resolve("lower"));
            Path runs = Files.createDirectories(tmp.resolve("runs"));
            for (int run = 0; run < WARMUP + RUNS; run++) {
                FloorRun r = new FloorRun(
                        "jcbf-" + run + "-" + Long.toHexString(random.nextLong() >>> 16),
                        Files.createDirectories(runs.resolve("run-" + run)));
                try {
                    long[] steps = floorRun(r, lower, cniConfig, crunRoot);
                    if (run >= WARMUP) {
                        timings.add(steps);
                    }
                } finally {
                    undo(r, cniConfig, crunRoot);
                }
            }
            return timings;
        } finally {
            try {
                quiet(List.of("ip", "link", "del", bridge));
            } finally {
                try {
                    removeFloorCgroups();
                } finally {
                    deleteTree(tmp);
                }
            }
        }
    }

    /** busybox as {@code /bin/busybox} with {@code true} and {@code sh}, and the empty dirs a rootfs has. */
    private static Path lowerDir(Path lower) throws IOException {
        Path bin = Files.createDirectories(lower.resolve("bin"));
        Files.copy(OciImageBuilder.HOST_BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(bin.resolve("true"), Path.of("busybox"));
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
        for (String d : List.of("proc", "dev", "sys", "etc", "tmp")) {
            Files.createDirectories(lower.resolve(d));
        }
        return lower;
    }

    private static long[] floorRun(FloorRun r, Path lower, String cniConfig, Path crunRoot) throws Exception {
        long[] t = new long[FLOOR_STEPS.size()];
        long start = System.nanoTime();
        for (Path pin : r.pins) {
            Files.createFile(pin);
        }
        r.pinned = true;
        exec(
                List.of("unshare", "--net=" + r.pins[0], "--ipc=" + r.pins[1], "--uts=" + r.pins[2], "true"),
                Map.of(),
                null);
        long mark = lap(t, 0, start);

        r.cniAdded = true;
        cni("ADD", r, cniConfig);
        mark = lap(t, 1, mark);

        Path upper = Files.createDirectories(r.dir.resolve("upper"));
        Path work = Files.createDirectories(r.dir.resolve("work"));
        Files.createDirectories(r.rootfs);
        exec(
                List.of(
                        "mount",
                        "-t",
                        "overlay",
                        "overlay",
                        "-o",
                        "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work,
                        r.rootfs.toString()),
                Map.of(),
                null);
        r.mounted = true;
        Files.writeString(r.dir.resolve("config.json"), ociConfig(r));
        mark = lap(t, 2, mark);

        r.crunStarted = true;
        exec(List.of("crun", "--root", crunRoot.toString(), "run", "-b", r.dir.toString(), r.id), Map.of(), null);
        r.crunStarted = false;
        mark = lap(t, 3, mark);

        exec(List.of("umount", r.rootfs.toString()), Map.of(), null);
        r.mounted = false;
        deleteTree(upper);
        deleteTree(work);
        Files.delete(r.rootfs);
        mark = lap(t, 4, mark);

        cni("DEL", r, cniConfig);
        r.cniAdded = false;
        mark = lap(t, 5, mark);

        exec(List.of("umount", r.pins[0].toString(), r.pins[1].toString(), r.pins[2].toString()), Map.of(), null);
        for (Path pin : r.pins) {
            Files.delete(pin);
        }
        r.pinned = false;
        lap(t, 6, mark);
        return t;
    }

    private static String ociConfig(FloorRun r) {
        return """
                {"ociVersion": "1.0.2",
                 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
                   "env": ["PATH=/bin"], "cwd": "/"},
                 "root": {"path": "%s", "readonly": false},
                 "mounts": [
                   {"destination": "/proc", "type": "proc", "source": "proc"},
                   {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}],
                 "linux": {
                   "namespaces": [
                     {"type": "pid"}, {"type": "mount"},
                     {"type": "network", "path": "%s"}, {"type": "ipc", "path": "%s"}, {"type": "uts", "path": "%s"}],
                   "cgroupsPath": "/%s/%s"}}
                """.formatted(r.rootfs, r.pins[0], r.pins[1], r.pins[2], FLOOR_CGROUP, r.id);
    }

    private static void cni(String command, FloorRun r, String config) throws Exception {
        exec(
                List.of(CNI_BIN.resolve("bridge").toString()),
                Map.of(
                        "CNI_COMMAND",
                        command,
                        "CNI_CONTAINERID",
                        r.id,
                        "CNI_NETNS",
                        r.pins[0].toString(),
                        "CNI_IFNAME",
                        "eth0",
                        "CNI_PATH",
                        CNI_BIN.toString()),
                config);
    }

    /** Undoes whatever a floor run left made, in reverse; errors are printed, not thrown. */
    private static void undo(FloorRun r, String cniConfig, Path crunRoot) {
        try {
            if (r.crunStarted) {
                quiet(List.of("crun", "--root", crunRoot.toString(), "delete", "--force", r.id));
            }
            if (r.mounted) {
                quiet(List.of("umount", "-l", r.rootfs.toString()));
            }
            if (r.cniAdded) {
                try {
                    cni("DEL", r, cniConfig);
                } catch (Exception e) {
                    System.err.println("floor cleanup: CNI DEL of " + r.id + " failed: " + e.getMessage());
                }
            }
            if (r.pinned) {
                for (Path pin : r.pins) {
                    quiet(List.of("umount", "-l", pin.toString()));
                }
            }
            deleteTree(r.dir);
        } catch (Exception e) {
            System.err.println("floor cleanup of " + r.id + " failed: " + e);
        }
    }

    /** rmdir, deepest first, of the cgroups crun made under {@code /sys/fs/cgroup/<hierarchy>/jcri-bench-floor}. */
    private static void removeFloorCgroups() throws IOException {
        try (var hierarchies = Files.list(CGROUP_ROOT)) {
            for (Path hierarchy : hierarchies.toList()) {
                Path ours = hierarchy.resolve(FLOOR_CGROUP);
                if (!Files.isDirectory(ours)) {
                    continue;
                }
                List<Path> dirs;
                try (var walk = Files.walk(ours)) {
                    dirs = walk.filter(Files::isDirectory)
                            .sorted(Comparator.reverseOrder())
                            .toList();
                }
                for (Path dir : dirs) {
                    try {
                        Files.delete(dir);
                    } catch (IOException e) {
                        System.err.println("floor cleanup: cannot remove cgroup " + dir + ": " + e);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static long lap(long[] t, int step, long since) {
        long now = System.nanoTime();
        t[step] = now - since;
        return now;
    }

    private static String exec(List<String> command, Map<String, String> env, String stdin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        try (var in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IOException(command + " did not finish in 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(command + " exited " + process.exitValue() + ": " + output.strip());
        }
        return output;
    }

    private static void quiet(List<String> command) {
        try {
            exec(command, Map.of(), null);
        } catch (Exception e) {
            // Cleanup of something that may not exist.
        }
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        // Never follow into a mount that is still there: an undone mount would otherwise be emptied.
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        if (mountinfo.contains(" " + dir + "/") || mountinfo.contains(" " + dir + " ")) {
            throw new IOException("not deleting " + dir + ": something is still mounted under it");
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Nanoseconds per step and run; prints milliseconds. */
    private static final class Timings {
        private final List<String> steps;
        private final List<long[]> runs = new ArrayList<>();

        Timings(List<String> steps) {
            this.steps = steps;
        }

        void add(long[] run) {
            runs.add(run.clone());
        }

        double totalMedianMillis() {
            return percentile(totals(), 0.5) / 1e6;
        }

        private long[] totals() {
            return runs.stream().mapToLong(r -> Arrays.stream(r).sum()).toArray();
        }

        void print(String title) {
            Map<String, long[]> columns = new LinkedHashMap<>();
            for (int s = 0; s < steps.size(); s++) {
                int step = s;
                columns.put(steps.get(s), runs.stream().mapToLong(r -> r[step]).toArray());
            }
            columns.put("total", totals());
            System.out.printf("%s, %d runs (ms):%n", title, runs.size());
            for (Map.Entry<String, long[]> c : columns.entrySet()) {
                System.out.printf(
                        "  %-22s median %8.2f   p90 %8.2f%n",
                        c.getKey(), percentile(c.getValue(), 0.5) / 1e6, percentile(c.getValue(), 0.9) / 1e6);
            }
        }

        /** Nearest rank. */
        private static long percentile(long[] values, double p) {
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }
    }
}
