package dev.jcri.e2e.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The registry fixtures themselves: a real docker-registry, images built in memory, the pusher, the proxy. */
class RegistryFixtureTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static LocalRegistry registry;
    private static TamperingProxy proxy;
    private static HttpClient http;

    @RegisterExtension
    final TestWatcher dumpRegistryLog = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (registry != null) {
                System.err.println("=== docker-registry log (" + registry + ")\n" + registry.registryLog());
            }
            if (proxy != null) {
                System.err.println("=== proxy requests\n" + String.join("\n", proxy.requestLog()));
            }
        }
    };

    @BeforeAll
    static void start() throws Exception {
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        registry = LocalRegistry.start();
        proxy = TamperingProxy.start(registry);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            try {
                if (registry != null) {
                    registry.close();
                    assertFalse(registry.isAlive(), "registry process still alive after close");
                    assertFalse(Files.exists(registry.dir()), "registry temp dir left behind");
                }
            } finally {
                if (http != null) {
                    http.close();
                }
            }
        }
    }

    @Test
    void pushedOciBusyboxComesBackByTagAndDigest() throws Exception {
        OciImage image = OciImageBuilder.busybox().build();
        assertEquals(ManifestFormat.OCI_MANIFEST, image.mediaType());
        assertEquals(
                "application/vnd.oci.image.layer.v1.tar+gzip",
                image.layer(0).blob().mediaType());

        String digest;
        try (RegistryPusher pusher = registry.pusher()) {
            digest = pusher.push("test/busybox", "1", image);
            assertEquals(image.digest(), digest);
            assertFalse(pusher.pushBlob("test/busybox", image.layer(0).blob()), "second push must skip the blob");
        }

        for (String ref : List.of("1", digest)) {
            HttpResponse<byte[]> r =
                    get(registry.url() + "/v2/test/busybox/manifests/" + ref, ManifestFormat.OCI_MANIFEST);
            assertEquals(200, r.statusCode());
            assertEquals(
                    ManifestFormat.OCI_MANIFEST,
                    r.headers().firstValue("Content-Type").orElseThrow());
            assertEquals(digest, r.headers().firstValue("Docker-Content-Digest").orElseThrow());
            assertEquals(digest, Blob.sha256(r.body()));
            assertArrayEquals(image.manifest().bytes(), r.body());
        }

        JsonNode manifest = JSON.readTree(image.manifestJson());
        assertEquals(image.configDigest(), manifest.get("config").get("digest").asString());
        assertEquals(
                image.layer(0).size(), manifest.get("layers").get(0).get("size").asLong());

        for (Blob b : image.blobs()) {
            HttpResponse<byte[]> head =
                    send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/test/busybox/blobs/" + b.digest()))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .build());
            assertEquals(200, head.statusCode(), b.toString());
            assertEquals(
                    b.size(), head.headers().firstValueAsLong("Content-Length").orElseThrow());
        }

        HttpResponse<byte[]> config = get(registry.url() + "/v2/test/busybox/blobs/" + image.configDigest(), null);
        assertEquals(200, config.statusCode());
        JsonNode c = JSON.readTree(config.body());
        assertEquals("amd64", c.get("architecture").asString());
        assertEquals("linux", c.get("os").asString());
        assertEquals("layers", c.get("rootfs").get("type").asString());
        assertEquals(
                image.layer(0).diffId(), c.get("rootfs").get("diff_ids").get(0).asString());
        assertEquals("sh", c.get("config").get("Cmd").get(0).asString());
        byte[] tar = Compression.GZIP.decompress(image.layer(0).blob().bytes());
        assertEquals(image.layer(0).diffId(), Blob.sha256(tar));
        assertArrayEquals(image.layer(0).tar(), tar);
    }

    @Test
    void buildsAreDeterministicAndConfigSettersLandInTheConfig() throws Exception {
        assertEquals(
                OciImageBuilder.busybox().build().digest(),
                OciImageBuilder.busybox().build().digest());

        OciImage image = OciImageBuilder.busybox()
                .withUser("app")
                .withEnv("GREETING", "hello world")
                .withEntrypoint("/bin/sh", "-c")
                .withCmd("echo $GREETING")
                .withWorkingDir("/home/app")
                .withLabel("org.example/team", "e2e")
                .withStopSignal("SIGINT")
                .withExposedPort("8080/tcp")
                .withVolume("/data")
                .withHistory("ENV GREETING=hello world")
                .withAnnotation("org.opencontainers.image.title", "busybox")
                .build();
        JsonNode cfg = JSON.readTree(image.configJson()).get("config");
        assertEquals("app", cfg.get("User").asString());
        assertEquals("GREETING=hello world", cfg.get("Env").get(1).asString());
        assertEquals("/bin/sh", cfg.get("Entrypoint").get(0).asString());
        assertEquals("echo $GREETING", cfg.get("Cmd").get(0).asString());
        assertEquals("/home/app", cfg.get("WorkingDir").asString());
        assertEquals("e2e", cfg.get("Labels").get("org.example/team").asString());
        assertEquals("SIGINT", cfg.get("StopSignal").asString());
        assertTrue(cfg.get("ExposedPorts").has("8080/tcp"));
        assertTrue(cfg.get("Volumes").has("/data"));
        JsonNode history = JSON.readTree(image.configJson()).get("history");
        assertEquals(2, history.size());
        assertTrue(history.get(1).get("empty_layer").asBoolean());
        assertEquals(
                "busybox",
                JSON.readTree(image.manifestJson())
                        .get("annotations")
                        .get("org.opencontainers.image.title")
                        .asString());
        try (RegistryPusher pusher = registry.pusher()) {
            assertEquals(image.digest(), pusher.push("test/busybox", "app", image));
        }
    }

    @Test
    void busyboxLayerUnpacksWithGnuTarAndRuns() throws Exception {
        OciImage image = OciImageBuilder.busybox().build();
        Path dir = Files.createTempDirectory("jcri-layer-");
        try {
            Path root = untar(image.layer(0).blob().bytes(), dir, "z");
            Path busybox = root.resolve("bin/busybox");
            assertEquals(Files.size(OciImageBuilder.HOST_BUSYBOX), Files.size(busybox));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(busybox)));
            assertEquals(Path.of("busybox"), Files.readSymbolicLink(root.resolve("bin/sh")));
            assertEquals(01777, mode(root.resolve("tmp")));
            assertEquals(0700, mode(root.resolve("root")));
            assertEquals(1000, Files.getAttribute(root.resolve("home/app"), "unix:uid"));
            assertTrue(Files.readString(root.resolve("etc/passwd")).contains("app:x:1000:1000:"));
            assertTrue(Files.readString(root.resolve("etc/group")).contains("nobody:x:65534:"));
            assertEquals(
                    "hi from busybox\n", run(List.of(root.resolve("bin/sh").toString(), "-c", "echo hi from busybox")));
        } finally {
            LocalRegistry.deleteTree(dir);
        }
    }

    @Test
    void layeredImageCarriesWhiteoutsOpaqueMarkerHardlinkAndLongPath() throws Exception {
        OciImage image = OciImageBuilder.layered().build();
        assertEquals(3, image.layers().size());
        assertEquals(
                OciImageBuilder.busybox().build().layer(0).digest(),
                image.layer(0).digest(),
                "the busybox layer is shared with busybox()");
        Path dir = Files.createTempDirectory("jcri-layer-");
        try {
            Path data = untar(image.layer(1).tar(), dir.resolve("data-layer"), "");
            assertEquals("keep\n", Files.readString(data.resolve("data/keep.txt")));
            assertEquals(
                    Files.getAttribute(data.resolve("data/keep.txt"), "unix:ino"),
                    Files.getAttribute(data.resolve("data/keep-hardlink.txt"), "unix:ino"));
            assertEquals(04755, mode(data.resolve("data/setuid")));
            assertEquals(1000, Files.getAttribute(data.resolve("data/app-owned"), "unix:gid"));
            assertEquals("long\n", Files.readString(data.resolve(OciImageBuilder.LONG_PATH.substring(1))));

            Path wh = untar(image.layer(2).tar(), dir.resolve("whiteout-layer"), "");
            assertTrue(Files.isRegularFile(wh.resolve("data/.wh.gone.txt")));
            assertTrue(Files.isRegularFile(wh.resolve("bin/.wh.ls")));
            assertTrue(Files.isRegularFile(wh.resolve("data/opq/.wh..wh..opq")));
            assertEquals("new\n", Files.readString(wh.resolve("data/opq/new.txt")));
        } finally {
            LocalRegistry.deleteTree(dir);
        }
        try (RegistryPusher pusher = registry.pusher()) {
            assertEquals(image.digest(), pusher.push("test/layered", "1", image));
        }
    }

    @Test
    void specialFilesSurviveGnuTar() throws Exception {
        byte[] tar = OciImageBuilder.specialFilesLayer().tar();
        Path dir = Files.createTempDirectory("jcri-layer-");
        try {
            Path root = untar(tar, dir, "", "--xattrs", "--xattrs-include=*");
            Path s = root.resolve("special");
            assertEquals("e2e", xattr(s.resolve("xattr"), "jcri"));
            assertTrue((boolean) Files.getAttribute(s.resolve("fifo"), "unix:isOther", LinkOption.NOFOLLOW_LINKS));
            assertEquals(0x103L, ((Number) Files.getAttribute(s.resolve("null"), "unix:rdev")).longValue());
            assertEquals(
                    FileTime.from(java.time.Instant.parse("2023-05-06T07:08:09.123456789Z")),
                    Files.getLastModifiedTime(s.resolve("mtime")));
            assertEquals("utf8\n", Files.readString(s.resolve("h\u00e9llo-\u65e5\u672c")));
            assertEquals(3_000_000, Files.getAttribute(s.resolve("bigid"), "unix:uid"));
            assertEquals(3_000_001, Files.getAttribute(s.resolve("bigid"), "unix:gid"));
            assertEquals(02775, mode(s.resolve("setgid")));
            assertEquals(01777, mode(s.resolve("sticky")));
        } finally {
            LocalRegistry.deleteTree(dir);
        }
    }

    @Test
    void dockerSchema2AndMultiPlatformIndexesPushAndComeBack() throws Exception {
        OciImage docker =
                OciImageBuilder.busybox().withFormat(ManifestFormat.DOCKER).build();
        assertEquals(
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                docker.layer(0).blob().mediaType());
        assertEquals(
                "application/vnd.docker.container.image.v1+json",
                docker.config().mediaType());
        // same layer bytes as the OCI image, different media type only
        assertEquals(
                OciImageBuilder.busybox().build().layer(0).digest(),
                docker.layer(0).digest());

        try (RegistryPusher pusher = registry.pusher()) {
            assertEquals(docker.digest(), pusher.push("test/docker", "1", docker));
            HttpResponse<byte[]> r =
                    get(registry.url() + "/v2/test/docker/manifests/1", ManifestFormat.DOCKER_MANIFEST);
            assertEquals(200, r.statusCode());
            assertEquals(
                    ManifestFormat.DOCKER_MANIFEST,
                    r.headers().firstValue("Content-Type").orElseThrow());
            assertEquals(docker.digest(), Blob.sha256(r.body()));

            for (ManifestFormat format : ManifestFormat.values()) {
                OciIndex index = OciImageBuilder.busyboxMultiPlatform(format);
                String tag = format.name().toLowerCase();
                assertEquals(index.digest(), pusher.push("test/multi", tag, index));
                HttpResponse<byte[]> got =
                        get(registry.url() + "/v2/test/multi/manifests/" + tag, ManifestFormat.ACCEPT_ALL);
                assertEquals(200, got.statusCode());
                assertEquals(
                        format.indexMediaType(),
                        got.headers().firstValue("Content-Type").orElseThrow());
                assertEquals(index.digest(), Blob.sha256(got.body()));
                JsonNode entries = JSON.readTree(got.body()).get("manifests");
                assertEquals(2, entries.size());
                assertEquals(
                        "arm64",
                        entries.get(1).get("platform").get("architecture").asString());
                assertEquals("v8", entries.get(1).get("platform").get("variant").asString());
                for (JsonNode e : entries) {
                    HttpResponse<byte[]> child = get(
                            registry.url() + "/v2/test/multi/manifests/"
                                    + e.get("digest").asString(),
                            ManifestFormat.ACCEPT_ALL);
                    assertEquals(200, child.statusCode());
                    assertEquals(e.get("digest").asString(), Blob.sha256(child.body()));
                    assertEquals(
                            e.get("mediaType").asString(),
                            child.headers().firstValue("Content-Type").orElseThrow());
                }
                OciImage arm = index.manifest(Platform.LINUX_ARM64);
                assertEquals(
                        "arm64",
                        JSON.readTree(arm.configJson()).get("architecture").asString());
            }
        }
    }

    @Test
    void uncompressedAndZstdLayers() throws Exception {
        OciImage plain =
                OciImageBuilder.busybox().withCompression(Compression.NONE).build();
        assertEquals(
                "application/vnd.oci.image.layer.v1.tar", plain.layer(0).blob().mediaType());
        assertEquals(plain.layer(0).diffId(), plain.layer(0).digest());
        try (RegistryPusher pusher = registry.pusher()) {
            assertEquals(plain.digest(), pusher.push("test/plain", "1", plain));

            Compression.assumeZstd();
            OciImage zstd =
                    OciImageBuilder.busybox().withCompression(Compression.ZSTD).build();
            byte[] blob = zstd.layer(0).blob().bytes();
            assertEquals(
                    "application/vnd.oci.image.layer.v1.tar+zstd",
                    zstd.layer(0).blob().mediaType());
            assertArrayEquals(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, java.util.Arrays.copyOf(blob, 4));
            assertArrayEquals(zstd.layer(0).tar(), Compression.ZSTD.decompress(blob));
            assertEquals(plain.layer(0).diffId(), zstd.layer(0).diffId());
            assertEquals(zstd.digest(), pusher.push("test/zstd", "1", zstd));
        }
    }

    @Test
    void proxyFlipsOneByteOfCorruptedBlobsAndCountsRequests() throws Exception {
        OciImage image = OciImageBuilder.busybox().build();
        try (RegistryPusher pusher = registry.pusher()) {
            pusher.push("test/busybox", "1", image);
        }
        Blob layer = image.layer(0).blob();
        String layerPath = "/v2/test/busybox/blobs/" + layer.digest();
        proxy.corruptBlob(layer.digest());
        try {
            int before = proxy.requestCount("/blobs/" + layer.digest());
            HttpResponse<byte[]> r = get(proxy.url() + layerPath, null);
            assertEquals(200, r.statusCode());
            assertEquals(layer.size(), r.body().length);
            assertEquals(
                    layer.size(), r.headers().firstValueAsLong("Content-Length").orElseThrow());
            assertEquals(
                    layer.digest(),
                    r.headers().firstValue("Docker-Content-Digest").orElseThrow());
            assertNotEquals(layer.digest(), Blob.sha256(r.body()));
            assertEquals(1, differingBytes(layer.bytes(), r.body()));
            assertEquals(before + 1, proxy.requestCount("/blobs/" + layer.digest()));
            assertEquals(before + 1, proxy.requestCount("GET", layerPath));

            // a range holding the middle byte is altered the same way; HEAD keeps the real size
            int mid = layer.bytes().length / 2;
            HttpResponse<byte[]> range = send(HttpRequest.newBuilder(URI.create(proxy.url() + layerPath))
                    .header("Range", "bytes=" + (mid - 10) + "-" + (mid + 10))
                    .GET()
                    .build());
            assertEquals(206, range.statusCode());
            assertEquals((byte) (layer.bytes()[mid] ^ 0xFF), range.body()[10]);
            assertEquals(layer.bytes()[mid - 1], range.body()[9]);
            HttpResponse<byte[]> head = send(HttpRequest.newBuilder(URI.create(proxy.url() + layerPath))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build());
            assertEquals(200, head.statusCode());
            assertEquals(
                    layer.size(),
                    head.headers().firstValueAsLong("Content-Length").orElseThrow());
            assertEquals(1, proxy.requestCount("HEAD", layerPath));
        } finally {
            proxy.stopCorrupting(layer.digest());
        }

        // blobs not in the set, and manifests, pass unchanged
        HttpResponse<byte[]> config = get(proxy.url() + "/v2/test/busybox/blobs/" + image.configDigest(), null);
        assertArrayEquals(image.config().bytes(), config.body());
        HttpResponse<byte[]> manifest = get(proxy.url() + "/v2/test/busybox/manifests/1", ManifestFormat.ACCEPT_ALL);
        assertArrayEquals(image.manifest().bytes(), manifest.body());
        assertEquals(
                layer.digest(), Blob.sha256(get(proxy.url() + layerPath, null).body()));

        // injected failures, then normal answers again
        proxy.failNext("/manifests/1", 503, 1);
        assertEquals(
                503,
                get(proxy.url() + "/v2/test/busybox/manifests/1", ManifestFormat.ACCEPT_ALL)
                        .statusCode());
        assertEquals(
                200,
                get(proxy.url() + "/v2/test/busybox/manifests/1", ManifestFormat.ACCEPT_ALL)
                        .statusCode());

        // a push through the proxy: upload Locations are rewritten to the proxy, so every request is seen
        OciImage other = OciImageBuilder.image()
                .withLayer(l -> l.file("/hello", "hello\n"))
                .build();
        try (RegistryPusher viaProxy = new RegistryPusher(proxy.url())) {
            assertEquals(other.digest(), viaProxy.push("test/via-proxy", "1", other));
        }
        assertEquals(2, proxy.requestCount("POST", "/v2/test/via-proxy/blobs/uploads/"));
        assertEquals(1, proxy.requestCount("PUT", "/v2/test/via-proxy/manifests/1"));
        assertEquals(
                2,
                proxy.requestLog().stream()
                        .filter(l -> l.startsWith("PUT /v2/test/via-proxy/blobs/uploads/"))
                        .count());
    }

    @Test
    void registryQuirksThePullCodeMeets() throws Exception {
        OciImage image = OciImageBuilder.busybox().withLabel("quirks", "1").build();
        try (RegistryPusher pusher = registry.pusher()) {
            pusher.push("test/quirks", "1", image);
            String url = registry.url() + "/v2/test/quirks/manifests/1";
            assertEquals(404, get(url, null).statusCode(), "OCI manifests need an OCI Accept");
            pusher.push(
                    "test/quirks-other",
                    "1",
                    OciImageBuilder.image().withLayer(l -> l.file("/o", "o")).build());
            assertEquals(
                    200,
                    get(registry.url() + "/v2/test/quirks/blobs/" + image.configDigest(), null)
                            .statusCode());
            assertEquals(
                    404,
                    get(registry.url() + "/v2/test/quirks-other/blobs/" + image.configDigest(), null)
                            .statusCode(),
                    "blobs are linked per repository");

            // a manifest whose layer is gone: push, then delete the blob
            pusher.deleteBlob("test/quirks", image.layer(0).digest());
            assertEquals(200, get(url, ManifestFormat.ACCEPT_ALL).statusCode());
            assertEquals(
                    404,
                    get(
                                    registry.url() + "/v2/test/quirks/blobs/"
                                            + image.layer(0).digest(),
                                    null)
                            .statusCode());
            pusher.deleteManifest("test/quirks", image.digest());
            assertEquals(404, get(url, ManifestFormat.ACCEPT_ALL).statusCode());

            OciImage missingBlobs = OciImageBuilder.image()
                    .withLayer(l -> l.file("/never-pushed", "x"))
                    .build();
            RegistryPusher.RegistryException e = assertThrows(
                    RegistryPusher.RegistryException.class,
                    () -> pusher.pushManifest("test/quirks", "2", missingBlobs.manifest()));
            assertEquals(400, e.status());
            assertTrue(e.body().contains("MANIFEST_BLOB_UNKNOWN"), e.body());
        }
    }

    @Test
    void proxyServesConcurrentDelayedRequestsInParallel() throws Exception {
        OciImage image = OciImageBuilder.image()
                .withLayer(l -> l.file("/concurrent", "c\n"))
                .build();
        try (RegistryPusher pusher = registry.pusher()) {
            pusher.push("test/concurrent", "1", image);
        }
        String path = "/v2/test/concurrent/blobs/" + image.layer(0).digest();
        proxy.delay(path, Duration.ofMillis(800));
        try {
            long start = System.nanoTime();
            List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(proxy.url() + path)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (CompletableFuture<HttpResponse<byte[]>> f : all) {
                assertEquals(
                        image.layer(0).digest(),
                        Blob.sha256(f.get(30, TimeUnit.SECONDS).body()));
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis >= 800 && millis < 3000, "5 delayed requests took " + millis + " ms");
            assertEquals(5, proxy.requestCount(path));
        } finally {
            proxy.delay(path, Duration.ZERO);
        }
    }

    @Test
    void basicAuthRegistryRefusesWithoutCredentialsAndIsCleanedUp() throws Exception {
        LocalRegistry auth = LocalRegistry.startWithBasicAuth("jcri", "s3cret");
        try (auth) {
            String v2 = auth.url() + "/v2/";
            HttpResponse<byte[]> anonymous = get(v2, null);
            assertEquals(401, anonymous.statusCode());
            assertEquals(
                    "Basic realm=\"jcri-e2e\"",
                    anonymous.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertEquals(
                    401,
                    send(HttpRequest.newBuilder(URI.create(v2))
                                    .header("Authorization", RegistryPusher.basicAuth("jcri", "wrong"))
                                    .build())
                            .statusCode());
            assertEquals(
                    200,
                    send(HttpRequest.newBuilder(URI.create(v2))
                                    .header("Authorization", RegistryPusher.basicAuth("jcri", "s3cret"))
                                    .build())
                            .statusCode());

            OciImage image = OciImageBuilder.busybox().build();
            try (RegistryPusher anonymousPusher = new RegistryPusher(auth.url())) {
                RegistryPusher.RegistryException e = assertThrows(
                        RegistryPusher.RegistryException.class, () -> anonymousPusher.push("test/busybox", "1", image));
                assertEquals(401, e.status());
            }
            try (RegistryPusher pusher = auth.pusher()) {
                assertEquals(image.digest(), pusher.push("test/busybox", "1", image));
            }
            String manifestUrl = auth.url() + "/v2/test/busybox/manifests/1";
            assertEquals(401, get(manifestUrl, ManifestFormat.ACCEPT_ALL).statusCode());
            assertEquals(
                    200,
                    send(HttpRequest.newBuilder(URI.create(manifestUrl))
                                    .header("Accept", ManifestFormat.ACCEPT_ALL)
                                    .header("Authorization", RegistryPusher.basicAuth("jcri", "s3cret"))
                                    .build())
                            .statusCode());
            assertTrue(auth.registryLog().contains("GET /v2/"), auth.registryLog());
        }
        assertFalse(auth.isAlive());
        assertFalse(Files.exists(auth.dir()));
        assertTrue(ProcessHandle.of(auth.pid()).map(p -> !p.isAlive()).orElse(true));
    }

    private static HttpResponse<byte[]> get(String url, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b.build());
    }

    private static HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int differingBytes(byte[] a, byte[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                n++;
            }
        }
        return n;
    }

    private static int mode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777;
    }

    private static String xattr(Path p, String name) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        ByteBuffer buf = ByteBuffer.allocate(view.size(name));
        view.read(name, buf);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    /** Unpacks {@code archive} into {@code dir} with GNU tar as root ({@code -p}, numeric owners). */
    private static Path untar(byte[] archive, Path dir, String compressFlag, String... extra) throws Exception {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir.getParent(), "layer-", ".tar");
        try {
            Files.write(file, archive);
            List<String> cmd = new ArrayList<>(List.of(
                    "tar", "--numeric-owner", "-xp" + compressFlag + "f", file.toString(), "-C", dir.toString()));
            cmd.addAll(List.of(extra));
            run(cmd);
        } finally {
            Files.deleteIfExists(file);
        }
        return dir;
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new IOException(cmd + " timed out");
        }
        assertEquals(0, p.exitValue(), cmd + ": " + out);
        return out;
    }
}
