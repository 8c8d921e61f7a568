package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.e2e.registry.LocalRegistry;
import dev.jcri.e2e.registry.OciImage;
import dev.jcri.e2e.registry.OciImageBuilder;
import dev.jcri.e2e.registry.TamperingProxy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code image.pull_progress_timeout_seconds}: a registry that stops sending in the middle of a blob fails the
 * pull after the timeout and the store keeps nothing of it; one that sends slowly, pausing less than the timeout
 * between pieces, finishes however long it takes in all.
 */
class PullProgressTimeoutTest {
    private static final Duration TIMEOUT = Slowdown.of(Duration.ofSeconds(2));

    private static LocalRegistry registry;
    private static TamperingProxy proxy;
    private static JcriProcess jcri;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        registry = LocalRegistry.start();
        proxy = TamperingProxy.start(registry);
        Path dir = JcriProcess.newStateDir();
        Files.writeString(dir.resolve("registries.conf"), """
                [[registry]]
                prefix = "%1$s"
                location = "%1$s"
                insecure = true
                """.formatted(proxy.hostPort()));
        Files.writeString(
                dir.resolve("jcri.d/10-pull.toml"),
                "[image]\npull_progress_timeout_seconds = " + TIMEOUT.toSeconds() + "\n");
        jcri = JcriProcess.start(dir, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (jcri != null) {
                jcri.close();
            }
        } finally {
            for (AutoCloseable c : new AutoCloseable[] {proxy, registry}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /** busybox plus a layer of incompressible bytes, unique to this call, so nothing of it is in the store yet. */
    private static OciImage imageWithNoise(String repository, int bytes) throws Exception {
        byte[] noise = new byte[bytes];
        new Random(System.nanoTime()).nextBytes(noise);
        OciImage image = OciImageBuilder.busybox()
                .withLayer(l -> l.file("/noise", noise, 0644))
                .build();
        registry.pusher().push(repository, "1", image);
        return image;
    }

    private static String pull(String image) {
        return jcri.images()
                .pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build())
                .getImageRef();
    }

    private static List<String> imageIds() {
        return jcri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                .map(Image::getId)
                .toList();
    }

    @Test
    void aBlobThatStopsMidwayIsCutAfterTheTimeoutAndLeavesNothing() throws Exception {
        OciImage image = imageWithNoise("test/stalled", 1 << 20);
        String layer = image.layer(1).blob().digest();
        proxy.stallBlob(layer);
        List<String> before = imageIds();
        long start = System.nanoTime();
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> pull(proxy.hostPort() + "/test/stalled:1"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        String message = e.getStatus().getDescription();
        assertTrue(message.contains(layer) && message.contains("no bytes received"), message);
        assertTrue(message.contains("pull_progress_timeout"), message);
        assertTrue(took.compareTo(TIMEOUT) >= 0, "cut after " + took);
        assertTrue(took.compareTo(TIMEOUT.multipliedBy(10)) < 0, "cut only after " + took);
        assertEquals(before, imageIds());
        Path storage = jcri.dir().resolve("root/storage");
        try (Stream<Path> tmp = Files.list(storage.resolve("tmp"))) {
            assertEquals(List.of(), tmp.toList(), "work dirs left behind");
        }
        assertTrue(
                Files.notExists(
                        storage.resolve("blobs/sha256/" + image.configDigest().substring(7))),
                "the config blob of the failed pull is not kept");
    }

    @Test
    void aSlowBlobThatKeepsComingIsNeverCut() throws Exception {
        int size = 96 << 10;
        OciImage image = imageWithNoise("test/trickled", size);
        // 8 KiB every half timeout: each pause well inside it, the whole blob well beyond it.
        proxy.trickleBlob(image.layer(1).blob().digest(), 8 << 10, TIMEOUT.dividedBy(2));
        long start = System.nanoTime();
        assertEquals(image.configDigest(), pull(proxy.hostPort() + "/test/trickled:1"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(TIMEOUT.multipliedBy(2)) > 0, "the pull took only " + took);
    }
}
