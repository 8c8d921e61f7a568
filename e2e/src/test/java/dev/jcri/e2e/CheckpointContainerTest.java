package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jcri.cri.v1.CheckpointContainerRequest;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * CheckpointContainer on this host, whose kernel Debian 12's CRIU does not know ({@code criu check} fails on the
 * vDSO): the probe says so in Status and {@code jcri check}, and every request is refused with the right code
 * before anything is written. Real checkpoints run in the test guest ({@code guest.CheckpointTest}).
 */
class CheckpointContainerTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String pod;
    private static String running;
    private static Path out;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("test/busybox", "1", OciImageBuilder.busybox().build()));
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        out = Files.createDirectories(jcri.dir().getParent().resolve(jcri.dir().getFileName() + "-checkpoints"));
        pod = jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(PodSandboxTest.pod("checkpoint"))
                        .setRuntimeHandler("runc")
                        .build())
                .getPodSandboxId();
        running = run("counter", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (out != null) {
                try (Stream<Path> files = Files.list(out)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(out);
            }
        }
    }

    private static String run(String name, String... command) {
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of(command)))
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static StatusRuntimeException refused(String id, String location) {
        return assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .checkpointContainer(CheckpointContainerRequest.newBuilder()
                                .setContainerId(id)
                                .setLocation(location)
                                .build()));
    }

    private static boolean criuFailsItsCheck() {
        try {
            Process check = new ProcessBuilder("criu", "check")
                    .redirectErrorStream(true)
                    .start();
            check.getInputStream().readAllBytes();
            return check.waitFor() != 0;
        } catch (Exception e) {
            return true; // no criu at all: unavailable too
        }
    }

    @Test
    void statusInfoSaysPerHandlerThatCheckpointsAreUnavailableAndWhy() {
        assumeTrue(criuFailsItsCheck(), "this host's CRIU works; the guest test covers that case");
        JsonNode checkpoint = JsonMapper.builder()
                .build()
                .readTree(jcri.runtime()
                        .status(StatusRequest.newBuilder().setVerbose(true).build())
                        .getInfoOrThrow("checkpoint"));
        String crun = checkpoint.path("crun").asString();
        String runc = checkpoint.path("runc").asString();
        assertTrue(crun.startsWith("unavailable: ") && crun.contains("without CRIU support"), crun);
        assertTrue(runc.startsWith("unavailable: ") && runc.contains("criu check failed"), runc);
    }

    @Test
    void jcriCheckNotesItForEachHandler() throws Exception {
        assumeTrue(criuFailsItsCheck(), "this host's CRIU works; the guest test covers that case");
        List<String> command = new ArrayList<>(JcriProcess.jarLauncher());
        command.addAll(List.of(
                "check",
                "--config",
                jcri.dir().resolve("jcri.toml").toString(),
                "--config-dir",
                jcri.dir().resolve("jcri.d").toString()));
        Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        List<String> lines =
                output.lines().filter(l -> l.contains("checkpoint ")).toList();
        assertEquals(2, lines.size(), output);
        assertTrue(lines.stream().allMatch(l -> l.startsWith("note") && l.contains("unavailable")), output);
        assertTrue(
                lines.stream().anyMatch(l -> l.contains("checkpoint runc") && l.contains("criu check failed")), output);
    }

    @Test
    void aRunningContainerIsAFailedPreconditionNamingCriusReasonAndKeepsRunning() {
        assumeTrue(criuFailsItsCheck(), "this host's CRIU works; the guest test covers that case");
        Path archive = out.resolve("counter.tar");

        StatusRuntimeException e = refused(running, archive.toString());

        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        String message = e.getStatus().getDescription();
        assertTrue(message.contains(running) && message.contains("criu check failed"), message);
        assertFalse(Files.exists(archive));
        assertEquals(
                ContainerState.CONTAINER_RUNNING,
                jcri.runtime()
                        .containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(running)
                                .build())
                        .getStatus()
                        .getState());
    }

    @Test
    void badLocationsAreInvalidArgumentsNamingTheField() {
        for (String location : List.of(
                "",
                "relative/ctr.tar",
                jcri.dir().resolve("root/ctr.tar").toString(),
                jcri.dir().resolve("run/ctr.tar").toString(),
                out.toString())) {
            StatusRuntimeException e = refused(running, location);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), location);
            assertTrue(
                    e.getStatus().getDescription().startsWith("location: "),
                    e.getStatus().getDescription());
        }
    }

    @Test
    void anUnknownContainerIsNotFoundAndAStoppedOneAFailedPrecondition() {
        assertEquals(
                Status.Code.NOT_FOUND,
                refused("f".repeat(64), out.resolve("x.tar").toString())
                        .getStatus()
                        .getCode());
        String stopped = run("stopped", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        jcri.runtime()
                .stopContainer(StopContainerRequest.newBuilder()
                        .setContainerId(stopped)
                        .setTimeout(10)
                        .build());
        StatusRuntimeException e = refused(stopped, out.resolve("stopped.tar").toString());
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("only a running container"),
                e.getStatus().getDescription());
        assertFalse(Files.exists(out.resolve("stopped.tar")));
    }
}
