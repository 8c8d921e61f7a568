package dev.jcri.e2e.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jcri.cri.v1.CheckpointContainerRequest;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.e2e.DumpLogOnFailure;
import dev.jcri.e2e.JcriProcess;
import dev.jcri.e2e.TestNode;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checkpoint and restore with CRIU on the test guest (Debian 12's kernel 6.1, where Debian's CRIU passes
 * {@code criu check}), through the runc handler (Debian's crun has no CRIU support). In order, on one counter: a
 * shell loop that counts in its memory and writes each value to a file in its rootfs; checkpoint; the archive's
 * layout; remove; restore into a new pod with another IP (CREATED, nothing running, until StartContainer); the count
 * goes on from where it was. Then the refusals: a
 * stopped container, bad locations, and a timeout too short for CRIU, which leaves the container running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CheckpointTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path OUT = Path.of("/var/lib/jcri-checkpoint-test");
    private static final Path ARCHIVE = OUT.resolve("counter.tar");
    private static final String COUNTER = "mkdir -p /data; echo kept > /data/marker; rm -f /bin/ls; i=0; "
            + "while true; do i=$((i+1)); echo $i > /data/count; echo $i; sleep 1; done";

    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String firstPod;
    private static String counter;
    /** The counter just before and just after the checkpoint: CRIU dumped a value between the two. */
    private static long countBeforeCheckpoint;

    private static long countAtCheckpoint;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(
                Files.readString(Path.of("/proc/1/comm")).strip().equals("systemd"),
                "needs the test guest (scripts/guest/test), where CRIU works");
        node = TestNode.start(true, (registry, dir) -> {
            registry.pusher()
                    .push("test/busybox", "1", OciImageBuilder.busybox().build());
            Files.writeString(dir.resolve("jcri.d/10-cgroupfs.toml"), "cgroup_manager = \"cgroupfs\"\n");
        });
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        Files.createDirectories(OUT);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static String pod(String name) {
        return jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setRuntimeHandler("runc")
                        .setConfig(PodSandboxConfig.newBuilder()
                                .setMetadata(PodSandboxMetadata.newBuilder()
                                        .setName(name)
                                        .setNamespace("guest")
                                        .setUid(UUID.randomUUID().toString()))
                                .setHostname(name)
                                .setLogDirectory(
                                        jcri.dir().resolve("logs/" + name).toString())
                                .setLinux(LinuxPodSandboxConfig.newBuilder()
                                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                                        .setPid(NamespaceMode.CONTAINER)))))
                        .build())
                .getPodSandboxId();
    }

    private static String run(String pod, String imageOrArchive, String... command) {
        String id = create(pod, imageOrArchive, command);
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static String create(String pod, String imageOrArchive, String... command) {
        return jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName("counter"))
                                .setImage(ImageSpec.newBuilder().setImage(imageOrArchive))
                                .addAllCommand(List.of(command))
                                .setLogPath("counter.log"))
                        .build())
                .getContainerId();
    }

    private static String exec(String id, String command) {
        ExecSyncResponse response = jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("sh", "-c", command))
                        .setTimeout(120)
                        .build());
        assertEquals(0, response.getExitCode(), response.getStderr().toStringUtf8());
        return response.getStdout().toStringUtf8().strip();
    }

    /**
     * The counter's value. `echo $i > /data/count` truncates before it writes, so a read can find the file empty, and
     * before its first write a crowded container has none yet: such reads are tried again.
     */
    private static long count(String id) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            String text = exec(id, "cat /data/count 2>/dev/null || true");
            if (!text.isEmpty()) {
                return Long.parseLong(text);
            }
            assertTrue(attempt < 600, "the counter wrote nothing in a minute");
            Thread.sleep(100);
        }
    }

    private static ContainerStatus status(String id) {
        return jcri.runtime()
                .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId(id).build())
                .getStatus();
    }

    private static String podIp(String pod) {
        return jcri.runtime()
                .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .build())
                .getStatus()
                .getNetwork()
                .getIp();
    }

    private static void checkpoint(String id, Path location, long timeout) {
        jcri.runtime()
                .checkpointContainer(CheckpointContainerRequest.newBuilder()
                        .setContainerId(id)
                        .setLocation(location.toString())
                        .setTimeout(timeout)
                        .build());
    }

    /** What a shell command on the guest prints; it must succeed. */
    private static String shell(String command) throws Exception {
        Process process = new ProcessBuilder("sh", "-c", command).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), command + ": " + err);
        return out;
    }

    private static void awaitCount(String id, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (count(id) < atLeast) {
            assertTrue(System.nanoTime() < deadline, "the counter did not reach " + atLeast);
            Thread.sleep(1000);
        }
    }

    @Test
    @Order(1)
    void criuWorksWithRuncHereAndNotWithDebiansCrun() {
        JsonNode checkpoint = JSON.readTree(jcri.runtime()
                .status(StatusRequest.newBuilder().setVerbose(true).build())
                .getInfoOrThrow("checkpoint"));
        assertEquals("available", checkpoint.path("runc").asString(), checkpoint.toString());
        assertTrue(checkpoint.path("crun").asString().contains("without CRIU support"), checkpoint.toString());
    }

    @Test
    @Order(2)
    void aRunningCounterIsCheckpointedIntoACheckpointctlLayoutAndKeepsRunning() throws Exception {
        firstPod = pod("first");
        counter = run(firstPod, image, "sh", "-c", COUNTER);
        awaitCount(counter, 3);
        countBeforeCheckpoint = count(counter);

        checkpoint(counter, ARCHIVE, 0);

        countAtCheckpoint = count(counter);
        assertEquals(ContainerState.CONTAINER_RUNNING, status(counter).getState());
        awaitCount(counter, countAtCheckpoint + 1);
        List<String> entries = shell("tar -tf " + ARCHIVE).lines().toList();
        String configDump = shell("tar -xOf " + ARCHIVE + " config.dump");
        String deletedFiles = shell("tar -xOf " + ARCHIVE + " deleted.files");
        List<String> diff = shell("tar -xOf " + ARCHIVE + " rootfs-diff.tar | tar -t")
                .lines()
                .toList();
        for (String expected : List.of(
                "checkpoint/",
                "checkpoint/inventory.img",
                "checkpoint/pstree.img",
                "config.dump",
                "spec.dump",
                "rootfs-diff.tar",
                "deleted.files",
                "dump.log")) {
            assertTrue(entries.contains(expected), expected + " in " + entries);
        }
        assertTrue(entries.stream().anyMatch(e -> e.startsWith("checkpoint/pages-")), entries.toString());
        assertEquals(counter, JSON.readTree(configDump).path("id").asString());
        assertTrue(diff.contains("data/count") && diff.contains("data/marker"), diff.toString());
        assertEquals(List.of("bin/ls"), List.of(JSON.readValue(deletedFiles, String[].class)));
        assertTrue(Files.list(OUT).allMatch(ARCHIVE::equals), "no temp file left next to the archive");
        System.out.printf(
                "evidence: archive %d bytes, %d entries: %s; rootfs-diff %s; deleted.files %s%n",
                Files.size(ARCHIVE),
                entries.size(),
                entries.stream().filter(e -> !e.startsWith("checkpoint/")).toList(),
                diff,
                deletedFiles.strip());
    }

    @Test
    @Order(3)
    void restoredIntoANewPodTheCounterGoesOnFromWhereItWas() throws Exception {
        assumeTrue(countAtCheckpoint > 0, "needs the checkpoint");
        String firstIp = podIp(firstPod);
        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(counter)
                        .setTimeout(0)
                        .build());
        jcri.runtime()
                .removeContainer(RemoveContainerRequest.newBuilder()
                        .setContainerId(counter)
                        .build());
        String secondPod = pod("second");
        assertNotEquals(firstIp, podIp(secondPod));

        String restored = create(secondPod, ARCHIVE.toString());

        // CreateContainer only prepares the restore: nothing runs, so nothing counts or logs, until StartContainer.
        ContainerStatus created = status(restored);
        assertEquals(ContainerState.CONTAINER_CREATED, created.getState(), created.toString());
        assertEquals(ARCHIVE.toString(), created.getAnnotationsOrThrow("io.jcri.checkpoint.restored-from"));
        Path log = jcri.dir().resolve("logs/second/counter.log");
        Thread.sleep(3000);
        assertTrue(!Files.exists(log) || Files.size(log) == 0, "the restored counter logged before its start");
        assertEquals(ContainerState.CONTAINER_CREATED, status(restored).getState());
        jcri.runtime()
                .startContainer(StartContainerRequest.newBuilder()
                        .setContainerId(restored)
                        .build());

        ContainerStatus status = status(restored);
        assertEquals(ContainerState.CONTAINER_RUNNING, status.getState(), status.toString());
        assertEquals(ARCHIVE.toString(), status.getAnnotationsOrThrow("io.jcri.checkpoint.restored-from"));
        long first = count(restored);
        // The shell's own counter came back from memory: it goes on above the value it had, never from 1.
        assertTrue(
                first >= countBeforeCheckpoint,
                "restored count " + first + ", before the checkpoint " + countBeforeCheckpoint);
        awaitCount(restored, first + 2);
        assertEquals("kept", exec(restored, "cat /data/marker"));
        assertEquals("gone", exec(restored, "test -e /bin/ls && echo there || echo gone"));
        // Its stdout reached the new container's log through conmon, and began where the checkpoint was, not at 1.
        List<Long> logged = Files.readAllLines(log).stream()
                .map(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)))
                .toList();
        assertTrue(
                !logged.isEmpty()
                        && logged.getFirst() >= countBeforeCheckpoint
                        && logged.getFirst() <= countAtCheckpoint + 1,
                "restored log " + logged + ", count before the checkpoint " + countBeforeCheckpoint + ", after "
                        + countAtCheckpoint);
        System.out.printf(
                "evidence: pod IPs %s -> %s; count before/after the checkpoint %d/%d; restored log starts %s; now %d%n",
                firstIp,
                podIp(secondPod),
                countBeforeCheckpoint,
                countAtCheckpoint,
                logged.subList(0, Math.min(3, logged.size())),
                count(restored));
        counter = restored;
    }

    @Test
    @Order(4)
    void aStoppedContainerIsAFailedPreconditionAndBadLocationsInvalidArguments() {
        String pod = pod("refusals");
        String stopped = run(pod, image, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(stopped)
                        .setTimeout(30)
                        .build());
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> checkpoint(stopped, OUT.resolve("stopped.tar"), 0));
        assertEquals(
                Status.Code.FAILED_PRECONDITION,
                e.getStatus().getCode(),
                e.getStatus().toString());
        for (Path location : List.of(Path.of("relative.tar"), jcri.dir().resolve("root/in-state.tar"))) {
            StatusRuntimeException bad =
                    assertThrows(StatusRuntimeException.class, () -> checkpoint(counter, location, 0));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    bad.getStatus().getCode(),
                    bad.getStatus().toString());
            assertTrue(bad.getStatus().getDescription().startsWith("location: "));
        }
    }

    @Test
    @Order(5)
    void aTimeoutTooShortForCriuIsDeadlineExceededAndTheContainerKeepsRunning() throws Exception {
        // A fresh counter with 400 children: CRIU seizes and dumps each, which takes seconds under emulation, with a
        // margin for hosts faster than this one.
        String pod = pod("slow");
        String crowded = run(
                pod,
                image,
                "sh",
                "-c",
                "mkdir -p /data; for n in $(seq 400); do sleep 100000 & done; i=0; "
                        + "while true; do i=$((i+1)); echo $i > /data/count; sleep 1; done");
        awaitCount(crowded, 2);
        Path location = OUT.resolve("too-slow.tar");

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> checkpoint(crowded, location, 1));

        assertEquals(
                Status.Code.DEADLINE_EXCEEDED,
                e.getStatus().getCode(),
                e.getStatus().toString());
        System.out.println("evidence: " + e.getStatus());
        // The dump is abandoned, not killed (a CRIU killed inside the container's processes can kill them): it goes
        // on to its end, and then jcri removes its files.
        String ended = "abandoned checkpoint ended id=" + crowded;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!jcri.log().contains(ended)) {
            assertTrue(System.nanoTime() < deadline, "jcri logs: " + ended);
            Thread.sleep(500);
        }
        assertTrue(Files.notExists(location));
        assertTrue(Files.list(OUT).noneMatch(p -> p.getFileName().toString().contains("too-slow")), "no temp file");
        assertEquals(ContainerState.CONTAINER_RUNNING, status(crowded).getState());
        long now = count(crowded);
        awaitCount(crowded, now + 2);
        // Every child CRIU dumped lives on, and PID 1, whose command line names them too.
        assertEquals("401", exec(crowded, "ps | grep -c 'sleep 10000[0]'"));
    }
}
