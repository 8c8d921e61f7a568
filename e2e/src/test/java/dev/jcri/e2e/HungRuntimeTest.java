package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A runtime that hangs: the handler {@code hang} runs crun through a script that, while a marker file exists,
 * sleeps instead of running {@code create} or {@code start}. jcri must give up after {@code runtime_timeout_seconds}
 * (3 s here), kill what hung, fail the RPC with a message that says so, and leave nothing behind; the same request
 * succeeds once the runtime behaves.
 */
class HungRuntimeTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static Path dir;
    private static String image;
    private static String pod;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(false, (registry, stateDir) -> {
            dir = stateDir;
            registry.pusher()
                    .push("test/busybox", "1", OciImageBuilder.busybox().build());
            Path script = stateDir.resolve("hanging-runtime");
            Files.writeString(script, """
                    #!/bin/sh
                    for arg in "$@"; do
                      case "$arg" in
                        create|start)
                          if [ -e "%1$s/hang-$arg" ]; then echo $$ >> "%1$s/hung.pids"; exec sleep 3600; fi ;;
                      esac
                    done
                    exec /usr/bin/crun "$@"
                    """.formatted(stateDir));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Files.writeString(stateDir.resolve("jcri.d/10-hang.toml"), """
                    runtime_timeout_seconds = 3
                    [runtimes.hang]
                    path = "%s"
                    """.formatted(script));
        });
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        PodSandboxConfig.Builder config = PodSandboxTest.pod("hang")
                .setLogDirectory(jcri.dir().resolve("logs").toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        pod = jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(config)
                        .setRuntimeHandler("hang")
                        .build())
                .getPodSandboxId();
    }

    @AfterEach
    void behave() throws Exception {
        Files.deleteIfExists(dir.resolve("hang-create"));
        Files.deleteIfExists(dir.resolve("hang-start"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static CreateContainerRequest create(String name) {
        return CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .addAllCommand(List.of("sleep", "3600"))
                        .setLogPath(name + ".log"))
                .build();
    }

    /** Every process the script parked in a sleep is gone: jcri killed what hung. */
    private static void assertHungProcessesGone() throws Exception {
        for (String pid : Files.readAllLines(dir.resolve("hung.pids"))) {
            // SIGKILL is sent by then; init reaps the orphan a moment later.
            ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(p -> {
                try {
                    p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("the hung runtime " + pid + " still runs", e);
                }
            });
        }
    }

    /** No conmon of this daemon is left (conmon's command line names the daemon's state dir). */
    private static long conmonsOfThisDaemon() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/conmon")).orElse(false))
                .filter(p -> String.join(" ", p.info().arguments().orElse(new String[0]))
                        .contains(jcri.dir().toString()))
                .count();
    }

    @Test
    void aCreateThatHangsIsKilledUndoneAndCanBeRetried() throws Exception {
        // The runtime's create runs at StartContainer: that is the call that fails, and the container ends exited
        // with a StartError, its conmon and runtime state gone.
        String failed = jcri.runtime().createContainer(create("app")).getContainerId();
        Files.createFile(dir.resolve("hang-create"));
        long before = conmonsOfThisDaemon();
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
                        .startContainer(StartContainerRequest.newBuilder()
                                .setContainerId(failed)
                                .build()));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("did not report the container within 3 s"),
                e.getStatus().getDescription());
        assertHungProcessesGone();
        assertEquals(before, conmonsOfThisDaemon(), "conmon was killed with the runtime");
        var status = jcri.runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(failed)
                        .build())
                .getStatus();
        assertEquals(ContainerState.CONTAINER_EXITED, status.getState());
        assertEquals("StartError", status.getReason());
        jcri.runtime()
                .removeContainer(RemoveContainerRequest.newBuilder()
                        .setContainerId(failed)
                        .build());
        assertEquals(
                0,
                jcri.runtime()
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersCount());
        assertFalse(
                Files.readString(Path.of("/proc/self/mountinfo")).contains(jcri.dir() + "/run/containers"),
                "the rootfs was unmounted");

        Files.delete(dir.resolve("hang-create"));
        String id = jcri.runtime().createContainer(create("app")).getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    @Test
    void aStartThatHangsIsKilledAndTheContainerCanStillBeRemoved() throws Exception {
        String id = jcri.runtime().createContainer(create("starter")).getContainerId();
        Files.createFile(dir.resolve("hang-start"));
        // The deadline only keeps a broken jcri from stalling the build for the script's hour of sleep.
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
                        .startContainer(StartContainerRequest.newBuilder()
                                .setContainerId(id)
                                .build()));
        assertTrue(String.valueOf(e.getStatus().getDescription()).contains("did not finish within 3 s"), e.toString());
        assertHungProcessesGone();
        assertEquals(
                ContainerState.CONTAINER_CREATED,
                jcri.runtime()
                        .containerStatus(ContainerStatusRequest.newBuilder()
                                .setContainerId(id)
                                .build())
                        .getStatus()
                        .getState());
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertEquals(
                0,
                jcri.runtime()
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersCount());
    }
}
