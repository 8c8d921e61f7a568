package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.AuthConfig;
import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageFilter;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.StreamImagesRequest;
import dev.jcri.e2e.registry.Compression;
import dev.jcri.e2e.registry.LocalRegistry;
import dev.jcri.e2e.registry.ManifestFormat;
import dev.jcri.e2e.registry.OciImage;
import dev.jcri.e2e.registry.OciImageBuilder;
import dev.jcri.e2e.registry.OciIndex;
import dev.jcri.e2e.registry.Platform;
import dev.jcri.e2e.registry.TamperingProxy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PullImage and the rest of the ImageService against real registries on 127.0.0.1. */
class ImagePullTest {
    private static final String USER = "puller";
    private static final String PASSWORD = "s3cret-Pa55";

    private static LocalRegistry registry;
    private static LocalRegistry authRegistry;
    private static TamperingProxy proxy;
    private static int closedPort;
    private static JcriProcess jcri;

    private static OciImage busybox;
    private static OciImage app;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        registry = LocalRegistry.start();
        authRegistry = LocalRegistry.startWithBasicAuth(USER, PASSWORD);
        proxy = TamperingProxy.start(registry);
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }

        busybox = OciImageBuilder.busybox().build();
        registry.pusher().push("test/busybox", "1", busybox);
        registry.pusher().push("test/busybox", "same", busybox);
        app = OciImageBuilder.busybox()
                .withUser("app")
                .withWorkingDir("/tmp")
                .withLabel("tier", "e2e")
                .build();
        registry.pusher().push("test/app", "1", app);
        authRegistry.pusher().push("private/busybox", "1", busybox);

        Path dir = JcriProcess.newStateDir();
        Files.writeString(dir.resolve("registries.conf"), """
                [[registry]]
                prefix = "%1$s"
                location = "%1$s"
                insecure = true

                [[registry]]
                prefix = "%1$s/blocked"
                location = "%1$s/blocked"
                blocked = true

                [[registry]]
                prefix = "%2$s"
                location = "%2$s"
                insecure = true

                [[registry]]
                prefix = "%3$s"
                location = "%3$s"
                insecure = true

                [[registry]]
                prefix = "127.0.0.1:%4$d/mirrored"
                location = "127.0.0.1:%4$d/mirrored"
                insecure = true
                [[registry.mirror]]
                location = "%1$s/test"
                insecure = true
                """.formatted(
                        registry.hostPort(), authRegistry.hostPort(), proxy.hostPort(), closedPort));
        jcri = JcriProcess.start(dir, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (jcri != null) {
                jcri.close();
            }
        } finally {
            for (AutoCloseable c : new AutoCloseable[] {proxy, authRegistry, registry}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private static String pull(String image) {
        return pull(image, AuthConfig.getDefaultInstance());
    }

    private static String pull(String image, AuthConfig auth) {
        return jcri.images()
                .pullImage(PullImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .setAuth(auth)
                        .build())
                .getImageRef();
    }

    private static ImageStatusResponse status(String image) {
        return jcri.images()
                .imageStatus(ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build());
    }

    private static void remove(String image) {
        jcri.images()
                .removeImage(RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(image))
                        .build());
    }

    private static List<Image> listImages() {
        return jcri.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
    }

    private static StatusRuntimeException pullFails(String image, Status.Code code) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull(image));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    private static Path storage() {
        return jcri.dir().resolve("root/storage");
    }

    @Test
    void pullByTagThenFindItByTagIdPrefixAndDigest() {
        String name = registry.hostPort() + "/test/busybox";
        String id = pull(name + ":1");
        assertEquals(busybox.configDigest(), id);
        try {
            Image image = status(name + ":1").getImage();
            assertEquals(id, image.getId());
            assertTrue(image.getRepoTagsList().contains(name + ":1"), image.toString());
            assertEquals(List.of(name + "@" + busybox.digest()), image.getRepoDigestsList());
            assertTrue(image.getSize() > 500_000, "busybox layer counted: " + image.getSize());
            assertEquals(id, status(id).getImage().getId());
            assertEquals(id, status(id.substring(7, 19)).getImage().getId());
            assertEquals(id, status(name + "@" + busybox.digest()).getImage().getId());
            assertTrue(listImages().stream().anyMatch(i -> i.getId().equals(id)));
            assertEquals(
                    List.of(id),
                    jcri
                            .images()
                            .listImages(ListImagesRequest.newBuilder()
                                    .setFilter(ImageFilter.newBuilder()
                                            .setImage(ImageSpec.newBuilder().setImage(name + ":1")))
                                    .build())
                            .getImagesList()
                            .stream()
                            .map(Image::getId)
                            .toList());
            Path layer = storage()
                    .resolve("layers")
                    .resolve(busybox.diffIds().getFirst().substring(7));
            assertTrue(Files.isRegularFile(layer.resolve("diff/bin/busybox")));
            assertTrue(Files.isSymbolicLink(layer.resolve("diff/bin/sh")));
        } finally {
            remove(id);
        }
    }

    @Test
    void oneImageUnderTwoTagsIsOneRecordAndRemovingATagKeepsTheOther() {
        String name = registry.hostPort() + "/test/busybox";
        String first = pull(name + ":1");
        String second = pull(name + ":same");
        assertEquals(first, second);
        assertEquals(
                1, listImages().stream().filter(i -> i.getId().equals(first)).count());
        assertEquals(
                List.of(name + ":1", name + ":same"), status(first).getImage().getRepoTagsList());

        remove(name + ":1");
        assertEquals(List.of(name + ":same"), status(first).getImage().getRepoTagsList());
        assertFalse(status(name + ":1").hasImage());
        remove(name + ":same");
        assertFalse(status(first).hasImage(), "its last tag removed the image");
        remove(name + ":same");
    }

    @Test
    void pullByDigestRecordsTheDigestWithoutATag() {
        String reference = registry.hostPort() + "/test/busybox@" + busybox.digest();
        String id = pull(reference);
        try {
            Image image = status(reference).getImage();
            assertEquals(List.of(), image.getRepoTagsList());
            assertEquals(List.of(reference), image.getRepoDigestsList());
        } finally {
            remove(reference);
        }
        assertFalse(status(id).hasImage(), "removed by digest");
    }

    @Test
    void imageUserWorkingDirAndVerboseConfig() {
        String reference = registry.hostPort() + "/test/app:1";
        String id = pull(reference);
        try {
            ImageStatusResponse response = jcri.images()
                    .imageStatus(ImageStatusRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage(reference))
                            .setVerbose(true)
                            .build());
            assertEquals("app", response.getImage().getUsername());
            assertFalse(response.getImage().hasUid());
            String info = response.getInfoOrThrow("info");
            assertTrue(info.contains("\"WorkingDir\":\"/tmp\""), info);
            assertTrue(info.contains("\"tier\":\"e2e\""), info);
        } finally {
            remove(id);
        }
    }

    @Test
    void everyManifestFormatAndCompression() throws Exception {
        record Case(String repo, OciImage image) {}
        List<Case> cases = List.of(
                new Case(
                        "test/docker-gzip",
                        OciImageBuilder.busybox()
                                .withFormat(ManifestFormat.DOCKER)
                                .withLabel("case", "docker")
                                .build()),
                new Case(
                        "test/oci-plain",
                        OciImageBuilder.busybox()
                                .withCompression(Compression.NONE)
                                .withLabel("case", "plain")
                                .build()),
                new Case(
                        "test/oci-zstd",
                        OciImageBuilder.busybox()
                                .withCompression(Compression.ZSTD)
                                .withLabel("case", "zstd")
                                .build()));
        for (Case c : cases) {
            registry.pusher().push(c.repo(), "1", c.image());
            String id = pull(registry.hostPort() + "/" + c.repo() + ":1");
            assertEquals(c.image().configDigest(), id, c.repo());
            remove(id);
        }
    }

    @Test
    void multiPlatformIndexResolvesToLinuxAmd64() throws Exception {
        for (ManifestFormat format : ManifestFormat.values()) {
            OciIndex index = OciImageBuilder.busyboxMultiPlatform(format);
            String repo = "test/multi-" + format.name().toLowerCase();
            registry.pusher().push(repo, "1", index);
            String id = pull(registry.hostPort() + "/" + repo + ":1");
            try {
                assertEquals(index.manifest(Platform.LINUX_AMD64).configDigest(), id, format.name());
                assertEquals(
                        List.of(registry.hostPort() + "/" + repo + "@" + index.digest()),
                        status(id).getImage().getRepoDigestsList());
            } finally {
                remove(id);
            }
        }
    }

    @Test
    void layersWithWhiteoutsAndAnOpaqueDirBecomeOverlayMarkers() throws Exception {
        OciImage layered = OciImageBuilder.layered().build();
        registry.pusher().push("test/layered", "1", layered);
        String id = pull(registry.hostPort() + "/test/layered:1");
        try {
            List<String> chain = chainIds(layered.diffIds());
            Path top = storage()
                    .resolve("layers")
                    .resolve(chain.get(2).substring(7))
                    .resolve("diff");
            Path whiteout = top.resolve("data/gone.txt");
            assertEquals(
                    0020000,
                    (int) Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000,
                    "a character device");
            assertEquals(
                    0L, ((Number) Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
            assertFalse(Files.exists(top.resolve("data/.wh.gone.txt"), LinkOption.NOFOLLOW_LINKS));
            Process getfattr = new ProcessBuilder(
                            "getfattr",
                            "--only-values",
                            "-n",
                            "trusted.overlay.opaque",
                            top.resolve("data/opq").toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String opaque = new String(getfattr.getInputStream().readAllBytes());
            getfattr.waitFor();
            assertEquals("y", opaque.strip());
        } finally {
            remove(id);
        }
    }

    @Test
    void pullThroughAMirrorWhenTheRegistryIsDown() {
        String reference = "127.0.0.1:" + closedPort + "/mirrored/busybox:1";
        String id = pull(reference);
        try {
            assertEquals(busybox.configDigest(), id);
            assertEquals(List.of(reference), status(id).getImage().getRepoTagsList());
        } finally {
            remove(id);
        }
    }

    @Test
    void basicAuthRegistryWithRightAndWrongCredentials() throws Exception {
        String reference = authRegistry.hostPort() + "/private/busybox:1";
        StatusRuntimeException anonymous = pullFails(reference, Status.Code.UNAUTHENTICATED);
        assertTrue(anonymous.getStatus().getDescription().contains(authRegistry.hostPort()), anonymous.toString());
        StatusRuntimeException wrong = assertThrows(
                StatusRuntimeException.class,
                () -> pull(
                        reference,
                        AuthConfig.newBuilder()
                                .setUsername(USER)
                                .setPassword("wrong-" + PASSWORD)
                                .build()));
        assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
        assertTrue(wrong.getStatus().getDescription().contains("private/busybox"), wrong.toString());

        String id = pull(
                reference,
                AuthConfig.newBuilder().setUsername(USER).setPassword(PASSWORD).build());
        remove(id);
        String encoded = java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes());
        id = pull(reference, AuthConfig.newBuilder().setAuth(encoded).build());
        remove(id);
        assertFalse(jcri.log().contains(PASSWORD), "the password never reaches the log");
        assertFalse(jcri.log().contains(encoded), "nor its base64 form");
    }

    @Test
    void refusedAndFailedPullsStoreNothing() throws Exception {
        List<String> before = listImages().stream().map(Image::getId).toList();

        StatusRuntimeException invalid = pullFails("Not/A:Valid::Ref", Status.Code.INVALID_ARGUMENT);
        assertTrue(invalid.getStatus().getDescription().contains("Not/A:Valid::Ref"), invalid.toString());
        StatusRuntimeException empty = pullFails("", Status.Code.INVALID_ARGUMENT);
        assertTrue(empty.getStatus().getDescription().contains("image.image"), empty.toString());

        StatusRuntimeException missing = pullFails(registry.hostPort() + "/test/busybox:nope", Status.Code.NOT_FOUND);
        assertTrue(missing.getStatus().getDescription().contains("test/busybox"), missing.toString());
        assertTrue(missing.getStatus().getDescription().contains("404"), missing.toString());

        StatusRuntimeException blocked =
                pullFails(registry.hostPort() + "/blocked/busybox:1", Status.Code.PERMISSION_DENIED);
        assertTrue(blocked.getStatus().getDescription().contains("blocked"), blocked.toString());

        StatusRuntimeException down = pullFails("127.0.0.1:" + closedPort + "/test/busybox:1", Status.Code.UNAVAILABLE);
        assertTrue(down.getStatus().getDescription().contains("127.0.0.1:" + closedPort), down.toString());

        assertEquals(before, listImages().stream().map(Image::getId).toList());
        assertStoreHoldsOnly(before);
    }

    @Test
    void aCorruptedBlobFailsThePullAndLeavesNothing() throws Exception {
        OciImage unique = OciImageBuilder.busybox()
                .withLayer(l -> l.file("/corrupt-me", "payload " + System.nanoTime()))
                .build();
        registry.pusher().push("test/corrupt", "1", unique);
        List<String> before = listImages().stream().map(Image::getId).toList();
        proxy.corruptBlob(unique.layer(1).blob().digest());
        try {
            StatusRuntimeException e = pullFails(proxy.hostPort() + "/test/corrupt:1", Status.Code.DATA_LOSS);
            assertTrue(
                    e.getStatus()
                            .getDescription()
                            .contains(unique.layer(1).blob().digest()),
                    e.toString());
        } finally {
            proxy.stopCorrupting(unique.layer(1).blob().digest());
        }
        assertEquals(before, listImages().stream().map(Image::getId).toList());
        assertStoreHoldsOnly(before);
        String id = pull(proxy.hostPort() + "/test/corrupt:1");
        remove(id);
    }

    @Test
    void concurrentPullsOfOneImageShareOneDownload() throws Exception {
        OciImage shared = OciImageBuilder.busybox()
                .withLayer(l -> l.file("/shared", "shared " + System.nanoTime()))
                .build();
        registry.pusher().push("test/shared", "1", shared);
        String blobPath = "/blobs/" + shared.layer(1).blob().digest();
        proxy.delay(blobPath, Duration.ofMillis(1500));
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<String>> pulls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pulls.add(pool.submit(() -> pull(proxy.hostPort() + "/test/shared:1")));
            }
            for (Future<String> f : pulls) {
                assertEquals(shared.configDigest(), f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
            proxy.delay(blobPath, Duration.ZERO);
        }
        assertEquals(1, proxy.requestCount("GET", blobPath), proxy.requestLog().toString());
        pull(proxy.hostPort() + "/test/shared:1");
        assertEquals(1, proxy.requestCount("GET", blobPath), "a present layer is not fetched again");
        remove(shared.configDigest());
    }

    @Test
    void aOneMillisecondDeadlineStoresNothing() throws Exception {
        OciImage slow = OciImageBuilder.busybox().withLabel("case", "deadline").build();
        registry.pusher().push("test/deadline", "1", slow);
        List<String> before = listImages().stream().map(Image::getId).toList();
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.images()
                        .withDeadlineAfter(1, TimeUnit.MILLISECONDS)
                        .pullImage(PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(registry.hostPort() + "/test/deadline:1"))
                                .build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        // The server side notices the cancellation asynchronously; give it a moment to unwind.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!listImages().stream().map(Image::getId).toList().equals(before) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(before, listImages().stream().map(Image::getId).toList());
    }

    @Test
    void streamImagesListsWhatListImagesLists() {
        String id = pull(registry.hostPort() + "/test/busybox:1");
        try {
            List<String> streamed = new ArrayList<>();
            Iterator<dev.jcri.cri.v1.StreamImagesResponse> responses =
                    jcri.images().streamImages(StreamImagesRequest.getDefaultInstance());
            responses.forEachRemaining(r -> r.getImagesList().forEach(i -> streamed.add(i.getId())));
            assertEquals(listImages().stream().map(Image::getId).toList(), streamed);
            assertTrue(streamed.contains(id));
        } finally {
            remove(id);
        }
    }

    @Test
    void removeIsIdempotentAndUnknownImagesAreEmptyNotErrors() {
        remove(registry.hostPort() + "/test/never-pulled:1");
        remove("sha256:" + "0".repeat(64));
        assertFalse(status("sha256:" + "0".repeat(64)).hasImage());
        assertFalse(status(registry.hostPort() + "/test/never-pulled:1").hasImage());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> status(""));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }

    @Test
    void imageFsInfoGrowsWithAPullAndShrinksWithItsRemoval() {
        long before = usedBytes();
        String id = pull(registry.hostPort() + "/test/busybox:1");
        long during = usedBytes();
        remove(id);
        long after = usedBytes();
        assertTrue(during > before + 500_000, before + " -> " + during);
        assertTrue(after < during - 500_000, during + " -> " + after);
    }

    @Test
    void imagesSurviveARestartOfJcri() throws Exception {
        String id = pull(registry.hostPort() + "/test/busybox:1");
        try {
            jcri.kill();
            Path dir = jcri.dir();
            jcri = JcriProcess.start(dir, List.of());
            assertEquals(
                    id,
                    status(registry.hostPort() + "/test/busybox:1").getImage().getId());
        } finally {
            remove(id);
        }
    }

    @Test
    void killDuringAPullLeavesNoImageAndNoPartialLayerAfterRestart() throws Exception {
        OciImage crash = OciImageBuilder.busybox()
                .withLayer(l -> l.file("/crash", "crash " + System.nanoTime()))
                .build();
        registry.pusher().push("test/crash", "1", crash);
        String blobPath = "/blobs/" + crash.layer(1).blob().digest();
        String reference = proxy.hostPort() + "/test/crash:1";
        List<String> before = listImages().stream().map(Image::getId).toList();
        proxy.delay(blobPath, Duration.ofSeconds(10));
        Thread puller = Thread.ofVirtual().start(() -> {
            try {
                pull(reference);
            } catch (StatusRuntimeException expected) {
                // The daemon dies under it.
            }
        });
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (proxy.requestCount("GET", blobPath) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, proxy.requestCount("GET", blobPath), "the pull reached the layer download");
            jcri.kill();
            puller.join(30_000);
            jcri = JcriProcess.start(jcri.dir(), List.of());
        } finally {
            proxy.delay(blobPath, Duration.ZERO);
        }
        assertFalse(status(reference).hasImage());
        assertStoreHoldsOnly(before);
        String id = pull(reference);
        remove(id);
    }

    @Test
    void sighupReloadsTheRegistriesConfig() throws Exception {
        Path conf = jcri.dir().resolve("registries.conf");
        String original = Files.readString(conf);
        String reference = registry.hostPort() + "/test/app:1";
        Files.writeString(conf, original + """

                [[registry]]
                prefix = "%s/test/app"
                location = "%s/test/app"
                blocked = true
                """.formatted(registry.hostPort(), registry.hostPort()));
        try {
            hangUp();
            awaitPullCode(reference, Status.Code.PERMISSION_DENIED);
        } finally {
            Files.writeString(conf, original);
            hangUp();
        }
        awaitPullCode(reference, Status.Code.OK);
        remove(reference);
    }

    private static void hangUp() throws Exception {
        // A signal to the daemon this test started, by its PID.
        new ProcessBuilder("kill", "-HUP", Long.toString(jcri.process().pid()))
                .inheritIO()
                .start()
                .waitFor();
    }

    /** The reload runs after the signal returns; poll until a pull gives the expected answer. */
    private static void awaitPullCode(String reference, Status.Code expected) throws InterruptedException {
        Status.Code last = null;
        for (int i = 0; i < 100; i++) {
            try {
                pull(reference);
                last = Status.Code.OK;
            } catch (StatusRuntimeException e) {
                last = e.getStatus().getCode();
            }
            if (last == expected) {
                return;
            }
            Thread.sleep(100);
        }
        assertEquals(expected, last);
    }

    private static long usedBytes() {
        return jcri.images()
                .imageFsInfo(ImageFsInfoRequest.getDefaultInstance())
                .getImageFilesystems(0)
                .getUsedBytes()
                .getValue();
    }

    /** No layer, blob or work dir remains beyond what the listed images need. */
    private static void assertStoreHoldsOnly(List<String> imageIds) throws IOException {
        try (Stream<Path> tmp = Files.list(storage().resolve("tmp"))) {
            assertEquals(List.of(), tmp.toList(), "work dirs left behind");
        }
        try (Stream<Path> records = Files.list(storage().resolve("images"))) {
            assertEquals(
                    imageIds.stream()
                            .map(i -> i.substring(7) + ".json")
                            .sorted()
                            .toList(),
                    records.map(p -> p.getFileName().toString()).sorted().toList());
        }
        if (imageIds.isEmpty()) {
            try (Stream<Path> layers = Files.list(storage().resolve("layers"))) {
                assertEquals(List.of(), layers.toList(), "layers of no image");
            }
        }
    }

    private static List<String> chainIds(List<String> diffIds) throws Exception {
        List<String> chain = new ArrayList<>();
        String previous = null;
        for (String diffId : diffIds) {
            String id = previous == null
                    ? diffId
                    : "sha256:"
                            + java.util.HexFormat.of()
                                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                            .digest((previous + " " + diffId).getBytes()));
            chain.add(id);
            previous = id;
        }
        return chain;
    }
}
