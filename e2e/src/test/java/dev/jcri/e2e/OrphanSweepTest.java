package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The orphan sweep against a real daemon: leftovers planted as a crash leaves them (a pod and container whose
 * records were lost while jcri was down, namespace pins, bundles, cgroups, exit files, runtime state, record dirs
 * and image-store temp dirs that nothing owns) are removed at startup and by the periodic sweep, one log line
 * each, while live pods and containers stay untouched. The daemon sweeps every second, so pods are also created
 * and removed while sweeps run.
 */
class OrphanSweepTest {
    private static final String CGROUP_ROOT = "/sys/fs/cgroup";

    private static TestNode node;
    private static String image;
    /** Processes a failed test could leave behind (the doomed pod's conmon and container), ended in cleanup. */
    private static final List<Long> plantedProcesses = new ArrayList<>();

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> node == null ? null : node.jcri());

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(true, (registry, dir) -> {
            registry.pusher()
                    .push("test/busybox", "1", OciImageBuilder.busybox().build());
            Files.writeString(dir.resolve("jcri.d/50-sweep.toml"), "orphan_sweep_interval_seconds = 1\n");
        });
        image = node.pull("test/busybox:1");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (long pid : plantedProcesses) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void startupSweepRemovesWhatACrashLeftWithoutRecordsAndSparesLivePods() throws Exception {
        JcriProcess jcri = node.jcri();
        Path dir = jcri.dir();
        String livePod = runPod("live");
        String liveCtr = runContainer(livePod, "live");
        String lostPod = runPod("lost");
        String lostCtr = runContainer(lostPod, "lost");
        long lostConmon = Long.parseLong(Files.readString(run(dir).resolve("containers/" + lostCtr + "/conmon.pid"))
                .strip());
        long lostProcess = Long.parseLong(Files.readString(run(dir).resolve("containers/" + lostCtr + "/pidfile"))
                .strip());
        plantedProcesses.add(lostConmon);
        plantedProcesses.add(lostProcess);
        assertEquals(2, node.network().allocations());

        String pins = newId();
        String bundle = newId();
        String cgroup = newId();
        String exitFile = newId();
        String runtimeState = newId();
        String recordDir = newId();
        List<Path> plantedCgroups = new ArrayList<>();
        jcri = node.killAndRestart(stateDir -> {
            // The records are lost; everything they described is still on the node.
            Files.delete(root(stateDir).resolve("sandboxes/" + lostPod + "/sandbox.json"));
            Files.delete(root(stateDir).resolve("containers/" + lostCtr + "/container.json"));
            plantPins(stateDir, pins);
            Files.createDirectories(run(stateDir).resolve("containers/" + bundle));
            Files.writeString(run(stateDir).resolve("containers/" + bundle + "/config.json"), "{}");
            plantedCgroups.addAll(plantCgroups(stateDir, cgroup));
            Files.writeString(
                    Files.createDirectories(run(stateDir).resolve("exits")).resolve(exitFile), "0");
            Files.createDirectories(run(stateDir).resolve("runtimes/crun/" + runtimeState));
            Files.createDirectories(root(stateDir).resolve("containers/" + recordDir + "/upper/etc"));
        });
        String log = jcri.log();
        log.lines().filter(l -> l.contains("orphan")).forEach(System.out::println);
        assertFalse(log.contains("orphan not removed"), "every orphan could be removed");
        assertNothingSwept(log, livePod);
        assertNothingSwept(log, liveCtr);

        for (String line : List.of(
                "kind=runtime_state id=" + lostCtr,
                "kind=conmon pid=" + lostConmon + " id=" + lostCtr,
                "kind=cni_attachment id=" + lostPod,
                "kind=mount id=" + lostPod + " path=" + realRun(dir).resolve("ns/net/" + lostPod),
                "kind=mount id=" + lostPod + " path=" + realRun(dir).resolve("sandboxes/" + lostPod + "/shm"),
                "kind=mount id=" + lostCtr + " path=" + realRun(dir).resolve("containers/" + lostCtr + "/rootfs"),
                "kind=pin id=" + lostPod,
                "kind=shm_dir id=" + lostPod,
                "kind=bundle id=" + lostCtr,
                "kind=record_dir id=" + lostPod,
                "kind=record_dir id=" + lostCtr,
                "kind=mount id=" + pins,
                "kind=pin id=" + pins,
                "kind=bundle id=" + bundle,
                "kind=exit_file id=" + exitFile,
                "kind=runtime_state id=" + runtimeState,
                "kind=record_dir id=" + recordDir)) {
            assertTrue(log.contains("orphan removed " + line), "logged: orphan removed " + line);
        }
        if (!plantedCgroups.isEmpty()) {
            assertTrue(log.contains("orphan removed kind=cgroup id=" + cgroup), "the planted cgroup is logged");
            assertTrue(
                    log.contains("orphan removed kind=conmon_cgroup id=" + lostCtr),
                    "the lost container's conmon cgroup, once its conmon is gone");
        }
        Matcher summary = Pattern.compile("recovered pods=(\\d+) containers=(\\d+) cleaned_leftovers=(\\d+)")
                .matcher(log);
        String last = null;
        while (summary.find()) {
            last = summary.group();
        }
        assertTrue(
                last != null && Integer.parseInt(last.replaceAll(".*cleaned_leftovers=", "")) >= 17,
                "the startup summary counts the orphans: " + last);

        awaitGone(lostConmon);
        awaitGone(lostProcess);
        for (Path mount : StateDirCleanup.mountsBelow(dir.toRealPath()).stream()
                .map(Path::of)
                .toList()) {
            for (String id : List.of(lostPod, lostCtr, pins)) {
                assertFalse(mount.toString().contains(id), "no mount of " + id + " is left: " + mount);
            }
        }
        for (Path gone : List.of(
                run(dir).resolve("ns/net/" + lostPod),
                run(dir).resolve("ns/pid/" + pins),
                run(dir).resolve("containers/" + lostCtr),
                run(dir).resolve("containers/" + bundle),
                run(dir).resolve("runtimes/crun/" + lostCtr),
                run(dir).resolve("runtimes/crun/" + runtimeState),
                run(dir).resolve("exits/" + exitFile),
                root(dir).resolve("sandboxes/" + lostPod),
                root(dir).resolve("containers/" + lostCtr),
                root(dir).resolve("containers/" + recordDir))) {
            assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS), gone + " is gone");
        }
        for (Path planted : plantedCgroups) {
            assertFalse(Files.exists(planted), planted + " is gone");
        }
        assertFalse(Files.exists(run(dir).resolve("exits/" + lostCtr)), "the lost container's exit file is gone");
        assertEquals(1, node.network().allocations(), "only the live pod holds an IP");

        assertLive(livePod, liveCtr);
        assertTrue(
                scrape(jcri).contains("jcri_orphans_removed_total{kind=\"conmon\"} 1.0"),
                "the metric counts the swept conmon");
        remove(livePod);
    }

    @Test
    void periodicSweepRemovesOrphansWhileJcriServes() throws Exception {
        JcriProcess jcri = node.jcri();
        Path dir = jcri.dir();
        String livePod = runPod("steady");
        String liveCtr = runContainer(livePod, "steady");
        List<String> owned = new ArrayList<>(List.of(livePod, liveCtr));

        String pins = newId();
        String bundle = newId();
        String cgroup = newId();
        plantPins(dir, pins);
        // Made under a name the sweep ignores and renamed into place: a sweep between making the bundle dir and its
        // rootfs would take the empty dir away under the second mkdir.
        Path staged = Files.createDirectories(run(dir).resolve("containers/planting-" + bundle + "/rootfs"));
        Files.move(staged.getParent(), run(dir).resolve("containers/" + bundle), StandardCopyOption.ATOMIC_MOVE);
        List<Path> plantedCgroups = plantCgroups(dir, cgroup);
        Path storageLeftover = Files.createDirectories(root(dir).resolve("storage/tmp/left-by-a-crash"));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // At least a few seconds of pods coming and going while sweeps run: none may lose anything to a sweep.
        long minimum = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        while (System.nanoTime() < minimum
                || System.nanoTime() < deadline
                        && (Files.exists(run(dir).resolve("ns/net/" + pins))
                                || Files.exists(run(dir).resolve("containers/" + bundle))
                                || Files.exists(storageLeftover)
                                || plantedCgroups.stream().anyMatch(Files::exists))) {
            String passing = runPod("passing");
            String passingCtr = runContainer(passing, "passing");
            assertLive(passing, passingCtr);
            remove(passing);
            owned.add(passing);
            owned.add(passingCtr);
        }
        String log = jcri.log();
        for (String id : owned) {
            assertNothingSwept(log, id);
        }
        for (String line : List.of(
                "kind=mount id=" + pins,
                "kind=pin id=" + pins,
                "kind=bundle id=" + bundle,
                "kind=storage path=" + root(dir).resolve("storage/tmp/left-by-a-crash"))) {
            assertTrue(log.contains("orphan removed " + line), "logged: orphan removed " + line);
        }
        if (!plantedCgroups.isEmpty()) {
            assertTrue(log.contains("orphan removed kind=cgroup id=" + cgroup), "the planted cgroup is logged");
        }
        for (Path planted : plantedCgroups) {
            assertFalse(Files.exists(planted), planted + " is gone");
        }
        assertFalse(Files.exists(storageLeftover));
        assertLive(livePod, liveCtr);
        remove(livePod);
        assertEquals(0, node.network().allocations());
    }

    private static String runPod(String name) {
        PodSandboxConfig.Builder config = PodSandboxTest.pod(name)
                .setLogDirectory(node.jcri().dir().resolve("logs/" + name).toString());
        return node.jcri()
                .runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    private static String runContainer(String pod, String name) {
        String id = node.jcri()
                .runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of("sleep", "3600"))
                                .setLogPath(name + ".log"))
                        .build())
                .getContainerId();
        node.jcri()
                .runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    /** The pod is ready with its IP; its container (when given) runs and answers an exec. */
    private static void assertLive(String pod, String container) {
        var status = node.jcri()
                .runtime()
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build())
                .getStatus();
        assertEquals(PodSandboxState.SANDBOX_READY, status.getState());
        assertFalse(status.getNetwork().getIp().isEmpty(), "the pod keeps its IP");
        if (container != null) {
            assertEquals(
                    ContainerState.CONTAINER_RUNNING,
                    node.jcri()
                            .runtime()
                            .containerStatus(ContainerStatusRequest.newBuilder()
                                    .setContainerId(container)
                                    .build())
                            .getStatus()
                            .getState());
            ExecSyncResponse exec = node.jcri()
                    .runtime()
                    .execSync(ExecSyncRequest.newBuilder()
                            .setContainerId(container)
                            .addAllCmd(List.of("echo", "alive"))
                            .setTimeout(10)
                            .build());
            assertEquals(0, exec.getExitCode());
            assertEquals("alive\n", exec.getStdout().toStringUtf8());
        }
    }

    private static void assertNothingSwept(String log, String id) {
        assertFalse(
                log.lines().anyMatch(l -> l.contains("orphan removed") && l.contains("id=" + id)),
                "nothing of " + id + " was swept");
    }

    private static void remove(String pod) {
        node.jcri()
                .runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build());
    }

    /**
     * Namespace pins of an ID no pod has, made as jcri makes them: bind mounts of namespace files. While the daemon
     * sweeps every second, a sweep can remove the empty file (an orphan pin) before unshare mounts on it; then the
     * pin is planted again.
     */
    private static void plantPins(Path stateDir, String id) throws IOException, InterruptedException {
        for (String kind : List.of("net", "ipc", "uts", "pid")) {
            Path pin = run(stateDir).resolve("ns/" + kind + "/" + id);
            List<String> command = new ArrayList<>(List.of("unshare", "--" + kind + "=" + pin));
            if (kind.equals("pid")) {
                command.add("--fork");
            }
            command.add("true");
            for (int attempt = 1; ; attempt++) {
                Files.createDirectories(pin.getParent());
                try {
                    Files.createFile(pin);
                } catch (FileAlreadyExistsException e) {
                    // Left by an attempt whose mount failed.
                }
                Process unshare =
                        new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(unshare.getInputStream().readAllBytes());
                if (unshare.waitFor() == 0) {
                    break;
                }
                boolean swept = !Files.exists(pin, LinkOption.NOFOLLOW_LINKS);
                assertTrue(swept && attempt < 5, "unshare: " + output);
            }
        }
    }

    /** Empty cgroups named by an ID no container has, under the daemon's own parent, where it already made one. */
    private static List<Path> plantCgroups(Path stateDir, String id) throws IOException {
        List<Path> planted = new ArrayList<>();
        for (String hierarchy : List.of("memory", "pids")) {
            Path parent = Path.of(
                    CGROUP_ROOT, hierarchy, JcriProcess.cgroupParent(stateDir).substring(1));
            if (Files.isDirectory(parent)) {
                planted.add(Files.createDirectory(parent.resolve(id)));
            }
        }
        return planted;
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " is gone");
    }

    private static String scrape(JcriProcess jcri) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jcri.metricsPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    private static String newId() {
        byte[] bytes = new byte[32];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static Path run(Path stateDir) {
        return stateDir.resolve("run");
    }

    private static Path realRun(Path stateDir) throws IOException {
        return stateDir.toRealPath().resolve("run");
    }

    private static Path root(Path stateDir) {
        return stateDir.resolve("root");
    }
}
