package dev.jcri.image.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.jcri.image.Digest;
import dev.jcri.image.ImageReference;
import dev.jcri.image.registryconfig.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RegistryClient over TLS: an insecure registry that serves HTTPS with a self-signed certificate (made by the JDK's
 * keytool). The client runs the HTTP client's work on the thread that has it, the selector thread included, so TLS
 * records of several concurrent blob downloads are decrypted there; this checks that they all arrive whole.
 */
class RegistryClientTlsTest {
    private static final int BLOB_BYTES = 3 << 20;
    private static final int CONCURRENT = 4;

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static ExecutorService executor;
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static byte[] blob;
    private static Digest blobDigest;
    private static byte[] manifest;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("registry.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "registry",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "san=ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), "keytool: " + output);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);

        blob = new byte[BLOB_BYTES];
        new Random(7).nextBytes(blob);
        blobDigest = new Digest(
                "sha256",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob)));
        manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},\
                "layers":[]}""".formatted(blobDigest, BLOB_BYTES).getBytes(StandardCharsets.UTF_8);

        executor = Executors.newVirtualThreadPerTaskExecutor();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(executor);
        server.createContext("/", RegistryClientTlsTest::handle);
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            REQUESTS.incrementAndGet();
            String path = ex.getRequestURI().getRawPath();
            byte[] body;
            if (path.contains("/manifests/")) {
                ex.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
                body = manifest;
            } else if (path.endsWith("/blobs/" + blobDigest)) {
                ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                body = blob;
            } else {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Test
    void concurrentBlobsOverTlsArriveWholeAndVerified() throws Exception {
        Endpoint endpoint = new Endpoint(
                ImageReference.parse("127.0.0.1:" + server.getAddress().getPort() + "/ns/repo:tag"), true, false);
        RegistryClient client = new RegistryClient();

        FetchedManifest fetched = client.fetchManifest(endpoint, "tag", RegistryCredentials.NONE);
        assertArrayEquals(manifest, fetched.body());
        int afterManifest = REQUESTS.get();
        assertEquals(1, afterManifest, "HTTPS worked at once: no plain-HTTP fallback");

        try (ExecutorService pullers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> blobs = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                blobs.add(pullers.submit(() ->
                        client.fetchBlob(endpoint, blobDigest, BLOB_BYTES, RegistryCredentials.NONE, BLOB_BYTES)));
            }
            for (Future<byte[]> each : blobs) {
                assertArrayEquals(blob, each.get());
            }
        }
        assertEquals(1 + CONCURRENT, REQUESTS.get());
    }
}
