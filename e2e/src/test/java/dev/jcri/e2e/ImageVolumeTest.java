package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.e2e.registry.LayerBuilder;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Image volumes (CRI {@code Mount.image}, KEP-4639): an image mounted into a container read-only and noexec, with
 * and without a sub path; sub paths that leave the image or do not exist are refused with nothing left; the image
 * cannot be removed while a container mounts it, and can once the container is gone.
 */
class ImageVolumeTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    /** Three layers, one with whiteouts ({@link OciImageBuilder#layered()}). */
    private static String layered;
    /** One layer: the overlay needs a second, empty lower dir. */
    private static String single;

    private static String pod;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(false, (registry, dir) -> {
            registry.pusher()
                    .push("test/busybox", "1", OciImageBuilder.busybox().build());
            registry.pusher()
                    .push("test/layered", "1", OciImageBuilder.layered().build());
            registry.pusher()
                    .push(
                            "test/single",
                            "1",
                            OciImageBuilder.image()
                                    .withLayer(LayerBuilder.layer()
                                            .dir("/data")
                                            .file("/data/one.txt", "one\n")
                                            .file("/data/tool", OciImageBuilder.exitWithEffectiveUid(), 0755)
                                            .dir("/data/sub")
                                            .file("/data/sub/inner.txt", "inner\n")
                                            .symlink("/data/abs", "/data/sub")
                                            .symlink("/data/climb", "../../../../data/sub")
                                            .symlink("/data/dangling", "nothing-here"))
                                    .build());
        });
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        layered = node.pull("test/layered:1");
        single = node.pull("test/single:1");
        PodSandboxConfig.Builder config = PodSandboxTest.pod("imagevol")
                .setLogDirectory(jcri.dir().resolve("logs").toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        pod = jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static Mount.Builder volume(String volumeImage, String subPath) {
        // As kubelet sends it: no host path, the image and its sub path.
        return Mount.newBuilder()
                .setContainerPath("/vol")
                .setImage(ImageSpec.newBuilder().setImage(volumeImage))
                .setImageSubPath(subPath)
                .setReadonly(true);
    }

    private static String create(String name, Mount.Builder mount) {
        return jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of("sleep", "3600"))
                                .setLogPath(name + ".log")
                                .addMounts(mount))
                        .build())
                .getContainerId();
    }

    private static String run(String name, Mount.Builder mount) {
        String id = create(name, mount);
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static void remove(String id) {
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static ExecSyncResponse exec(String id, String command) {
        return jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("sh", "-c", command))
                        .setTimeout(20)
                        .build());
    }

    private static String out(ExecSyncResponse response) {
        return response.getStdout().toString(StandardCharsets.UTF_8);
    }

    private static List<String> imageVolumeMounts() throws Exception {
        return StateDirCleanup.mountsBelow(jcri.dir().resolve("run").toRealPath()).stream()
                .filter(m -> m.contains("/image-volumes/"))
                .toList();
    }

    private static int containerCount() {
        return jcri.runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersCount();
    }

    @Test
    void wholeImageIsMountedReadOnlyAndNoexec() throws Exception {
        String id = run("whole", volume(layered, ""));
        try {
            assertEquals("keep\n", out(exec(id, "cat /vol/data/keep.txt")));
            assertEquals("new.txt\n", out(exec(id, "ls /vol/data/opq")), "the layers' whiteouts apply");
            assertEquals(0, exec(id, "test ! -e /vol/data/gone.txt").getExitCode());
            ExecSyncResponse write = exec(id, "echo x > /vol/data/new.txt");
            assertNotEquals(0, write.getExitCode(), "writing into an image volume must fail");
            assertTrue(
                    write.getStderr().toStringUtf8().contains("Read-only"),
                    write.getStderr().toStringUtf8());
            ExecSyncResponse binary = exec(id, "/vol/bin/busybox true");
            assertNotEquals(0, binary.getExitCode(), "executing from an image volume must fail");
            assertTrue(
                    binary.getStderr().toStringUtf8().contains("Permission denied"),
                    binary.getStderr().toStringUtf8());
            String options = out(exec(id, "grep ' /vol ' /proc/mounts"));
            for (String option : List.of("ro", "nosuid", "nodev", "noexec")) {
                assertTrue(List.of(options.split("[ ,]")).contains(option), options);
            }
            var status = jcri.runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(id)
                            .build())
                    .getStatus();
            assertEquals(layered, status.getMounts(0).getImage().getImage());
            assertEquals(1, imageVolumeMounts().size(), imageVolumeMounts().toString());
        } finally {
            remove(id);
        }
        assertNoImageVolumeMounts();
    }

    @Test
    void subPathOfAOneLayerImage() throws Exception {
        String id = run("sub", volume(single, "data"));
        try {
            assertEquals("one\n", out(exec(id, "cat /vol/one.txt")));
            assertEquals("inner\n", out(exec(id, "cat /vol/sub/inner.txt")));
            assertNotEquals(0, exec(id, "/vol/tool").getExitCode(), "executing from an image volume must fail");
            assertNotEquals(0, exec(id, "touch /vol/x").getExitCode());
        } finally {
            remove(id);
        }
        // Links resolve inside the image, as the container would see them: absolute ones and ".." stop at its root.
        for (String subPath : List.of("data/abs", "data/climb")) {
            String linked = run("link", volume(single, subPath));
            try {
                assertEquals("inner\n", out(exec(linked, "cat /vol/inner.txt")), subPath);
            } finally {
                remove(linked);
            }
        }
        assertNoImageVolumeMounts();
    }

    @Test
    void badSubPathsAreRefusedAndLeaveNothing() throws Exception {
        int before = containerCount();
        for (String subPath :
                List.of("../etc", "data/../../etc", "/data", "missing", "data/dangling", "data/one.txt/x")) {
            StatusRuntimeException e =
                    assertThrows(StatusRuntimeException.class, () -> create("bad", volume(single, subPath)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), subPath + ": " + e.getMessage());
            assertTrue(e.getStatus().getDescription().contains("mounts[0].image_sub_path"), e.getMessage());
        }
        assertEquals(before, containerCount());
        assertNoImageVolumeMounts();
        // The name is free again: nothing of the refused creates remains.
        remove(create("bad", volume(single, "data")));
    }

    @Test
    void missingImageIsNotFound() {
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> create("missing", volume(node.registryHostPort() + "/test/never-pulled:1", "")));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getMessage());
    }

    @Test
    void imageInUseCannotBeRemovedUntilTheContainerIs() throws Exception {
        String volumeImage = node.pull("test/single:1");
        String id = create("holder", volume(volumeImage, ""));
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.images()
                        .removeImage(RemoveImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(volumeImage))
                                .build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
        // Still held after a restart, which restores the hold from the container's record.
        jcri = node.killAndRestart();
        e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.images()
                        .removeImage(RemoveImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(volumeImage))
                                .build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
        remove(id);
        jcri.images()
                .removeImage(RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(volumeImage))
                        .build());
        assertTrue(!jcri.images()
                .imageStatus(ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(volumeImage))
                        .build())
                .hasImage());
        assertNoImageVolumeMounts();
        node.pull("test/single:1");
    }

    @Test
    void aCrashWithTheVolumeMountedIsUndoneAtTheNextStart() throws Exception {
        int before = containerCount();
        // Fires once the image volume is mounted and config.json written, before conmon: a half-made container.
        jcri = node.killAndRestart(java.util.Map.of("JCRI_CRASH_AT", "container-bundle-written"));
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> create("crashed", volume(layered, "data")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        assertTrue(jcri.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the daemon died");
        assertEquals(137, jcri.process().exitValue());
        assertEquals(1, imageVolumeMounts().size(), "the crash left the volume mounted");
        jcri = node.killAndRestart();
        assertNoImageVolumeMounts();
        assertEquals(before, containerCount());
        // Nothing holds the image any more: it can go, and comes back for the other tests.
        jcri.images()
                .removeImage(RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(layered))
                        .build());
        node.pull("test/layered:1");
    }

    /** The mounts go with the removal's teardown, which follows its answer. */
    private static void assertNoImageVolumeMounts() throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!imageVolumeMounts().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(List.of(), imageVolumeMounts());
    }
}
