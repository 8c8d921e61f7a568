package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * jcri's root on a 32 MiB tmpfs: a pull that does not fit and a create on a full disk fail with RESOURCE_EXHAUSTED
 * and leave nothing partial; once there is room again the same requests succeed. (The harness unmounts the tmpfs
 * with the rest of the state dir.)
 */
class FullDiskTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static Path root;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(false, (registry, dir) -> {
            root = Files.createDirectories(dir.resolve("root"));
            Process mount = new ProcessBuilder(
                            "mount", "-t", "tmpfs", "-o", "size=32m,mode=0711", "tmpfs", root.toString())
                    .redirectErrorStream(true)
                    .start();
            assertEquals(0, mount.waitFor(), new String(mount.getInputStream().readAllBytes()));
            registry.pusher()
                    .push("test/busybox", "1", OciImageBuilder.busybox().build());
            // 40 MiB that no compression shrinks: more than the disk holds once unpacked.
            byte[] noise = new byte[40 << 20];
            new Random(7).nextBytes(noise);
            registry.pusher()
                    .push(
                            "test/huge",
                            "1",
                            OciImageBuilder.busybox()
                                    .withLayer(layer -> layer.file("/data/noise", noise, 0644))
                                    .build());
        });
        jcri = node.jcri();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static long filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aPullThatDoesNotFitFailsClearlyAndStoresNothing() throws Exception {
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.images()
                        .pullImage(PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(node.registryHostPort() + "/test/huge:1"))
                                .build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().contains("no space left"), e.toString());
        assertTrue(jcri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                .noneMatch(i -> i.getRepoTagsList().toString().contains("huge")));
        assertEquals(0, filesUnder(root.resolve("images/tmp")), "no partial download or unpack is left");

        node.pull("test/busybox:1");
    }

    @Test
    void aCreateOnAFullDiskFailsClearlyAndLeavesNothing() throws Exception {
        String image = node.pull("test/busybox:1");
        PodSandboxConfig.Builder config = PodSandboxTest.pod("full")
                .setLogDirectory(jcri.dir().resolve("logs").toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        String pod = jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        CreateContainerRequest create = CreateContainerRequest.newBuilder()
                .setPodSandboxId(pod)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .addAllCommand(List.of("sleep", "3600"))
                        .setLogPath("app.log"))
                .build();
        Path filler = root.resolve("filler");
        fill(filler);
        try {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class, () -> jcri.runtime().createContainer(create));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
            assertEquals(
                    0,
                    jcri.runtime()
                            .listContainers(ListContainersRequest.getDefaultInstance())
                            .getContainersCount());
            assertFalse(
                    Files.readString(Path.of("/proc/self/mountinfo")).contains(jcri.dir() + "/run/containers"),
                    "no rootfs stays mounted");
        } finally {
            Files.deleteIfExists(filler);
        }
        String id = jcri.runtime().createContainer(create).getContainerId();
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    /** Writes until the tmpfs refuses more. */
    private static void fill(Path filler) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
        // Small writes may still fit in a partly used page; take those too.
        try (var out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(new byte[512]);
                out.flush();
            }
        } catch (IOException full) {
            // Now nothing fits.
        }
    }
}
