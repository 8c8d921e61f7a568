package dev.jcri.e2e.registry;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A Docker distribution registry (Debian's {@code docker-registry}, v2.8) run as a child process on
 * {@code 127.0.0.1:<free port>}, plain HTTP, filesystem storage and its log under a fresh temp dir, deletes
 * enabled, optionally behind htpasswd basic auth. {@link #close()} stops the process by its handle and removes the
 * temp dir; a JVM shutdown hook does the same if a test forgets.
 *
 * <pre>{@code
 * try (LocalRegistry registry = LocalRegistry.start()) {
 *     String digest = registry.pusher().push("test/busybox", "1", OciImageBuilder.busybox().build());
 *     ... pull registry.hostPort() + "/test/busybox:1" ...
 * }
 * }</pre>
 *
 * <p>Behaviour of this registry version that pull tests meet:
 * <ul>
 *   <li>an OCI manifest or index is only served to a GET whose Accept names its media type; otherwise 404
 *       {@code MANIFEST_UNKNOWN} "OCI manifest found, but accept header does not support OCI manifests";</li>
 *   <li>a Docker schema2 manifest asked for without its media type in Accept comes back converted to a signed
 *       schema1 manifest ({@code application/vnd.docker.distribution.manifest.v1+prettyjws}, another digest);</li>
 *   <li>a Docker manifest list asked for without the list type in Accept comes back as its linux/amd64 manifest;</li>
 *   <li>a manifest PUT whose blobs (or, for an index, manifests) are not in the repository is refused (400
 *       {@code MANIFEST_BLOB_UNKNOWN}); to get a manifest pointing at a missing blob, push then
 *       {@link RegistryPusher#deleteBlob};</li>
 *   <li>blobs are linked per repository: a blob pushed to {@code a/x} is 404 in {@code b/y};</li>
 *   <li>blob GETs answer 200 with Accept-Ranges, Docker-Content-Digest and Etag, and 206 to Range requests;
 *       every HEAD of an absent blob logs a {@code level=error} line, which is normal.</li>
 * </ul>
 */
public final class LocalRegistry implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static final Duration READY_TIMEOUT = dev.jcri.e2e.Slowdown.of(Duration.ofSeconds(30));
    private static final int PORT_ATTEMPTS = 5;

    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;
    private final String username;
    private final String password;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private LocalRegistry(Path dir, Path log, int port, Process process, String username, String password) {
        this.dir = dir;
        this.log = log;
        this.port = port;
        this.process = process;
        this.username = username;
        this.password = password;
        this.shutdownHook = new Thread(this::stopProcess, "local-registry-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** An open registry: anyone may push and pull. */
    public static LocalRegistry start() throws IOException, InterruptedException {
        return builder().start();
    }

    /** A registry that answers 401 (with {@code WWW-Authenticate: Basic realm=...}) unless given these credentials. */
    public static LocalRegistry startWithBasicAuth(String username, String password)
            throws IOException, InterruptedException {
        return builder().basicAuth(username, password).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String username;
        private String password;
        private String realm = "jcri-e2e";
        private boolean deleteEnabled = true;

        private Builder() {}

        public Builder basicAuth(String user, String pass) {
            this.username = user;
            this.password = pass;
            return this;
        }

        public Builder realm(String r) {
            this.realm = r;
            return this;
        }

        public Builder deleteEnabled(boolean enabled) {
            this.deleteEnabled = enabled;
            return this;
        }

        public LocalRegistry start() throws IOException, InterruptedException {
            Path dir = Files.createTempDirectory("jcri-registry-");
            try {
                return launch(dir, this);
            } catch (IOException | InterruptedException | RuntimeException e) {
                deleteTree(dir);
                throw e;
            }
        }
    }

    private static LocalRegistry launch(Path dir, Builder b) throws IOException, InterruptedException {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path htpasswd = null;
        if (b.username != null) {
            htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, htpasswdLine(b.username, b.password));
        }
        Path log = dir.resolve("registry.log");
        IOException last = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int port = freePort();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, config(storage, port, b, htpasswd));
            Files.writeString(
                    log,
                    "=== attempt " + attempt + " on port " + port + "\n",
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            p.getOutputStream().close();
            LocalRegistry registry = new LocalRegistry(dir, log, port, p, b.username, b.password);
            try {
                if (registry.awaitReady()) {
                    return registry;
                }
                // exited: if the port was taken between probing and binding, try another one
                String text = Files.readString(log);
                registry.discard();
                if (!text.contains("address already in use")) {
                    throw new IOException("docker-registry exited " + p.exitValue() + " before serving; log:\n" + text);
                }
                last = new IOException("port " + port + " taken; log:\n" + text);
            } catch (IOException | InterruptedException | RuntimeException e) {
                registry.discard();
                throw e;
            }
        }
        throw last;
    }

    /** Polls {@code GET /v2/} until 200 (401 with auth); false if the process exits first. */
    private boolean awaitReady() throws IOException, InterruptedException {
        int expected = username == null ? 200 : 401;
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
            HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/v2/"))
                    .timeout(Duration.ofSeconds(5))
                    .GET()
                    .build();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    return false;
                }
                try {
                    int status = http.send(probe, HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    if (status == expected) {
                        return true;
                    }
                    throw new IOException("docker-registry answered GET /v2/ with " + status + ", expected " + expected
                            + "; log:\n" + registryLog());
                } catch (ConnectException notYet) {
                    Thread.sleep(50);
                }
            }
        }
        throw new IOException(
                "docker-registry not ready on " + hostPort() + " after " + READY_TIMEOUT + "; log:\n" + registryLog());
    }

    private static String config(Path storage, int port, Builder b, Path htpasswd) {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        StringBuilder y = new StringBuilder();
        y.append("version: 0.1\n");
        y.append("log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n");
        y.append("storage:\n");
        y.append("  filesystem:\n    rootdirectory: ")
                .append(quote(storage.toString()))
                .append('\n');
        y.append("  delete:\n    enabled: ").append(b.deleteEnabled).append('\n');
        y.append("  maintenance:\n    uploadpurging:\n      enabled: false\n");
        y.append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
        y.append("  secret: ").append(secret).append('\n');
        y.append("  headers:\n    X-Content-Type-Options: [nosniff]\n");
        if (htpasswd != null) {
            y.append("auth:\n  htpasswd:\n    realm: ").append(quote(b.realm)).append('\n');
            y.append("    path: ").append(quote(htpasswd.toString())).append('\n');
        }
        return y.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** One bcrypt line from {@code htpasswd -Bbn user pass} (the registry accepts bcrypt only). */
    private static String htpasswdLine(String user, String pass) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("htpasswd", "-Bbn", user, pass)
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new IOException("htpasswd timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException("htpasswd -Bbn exited " + p.exitValue() + ": " + out);
        }
        return out.strip() + "\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code 127.0.0.1:PORT}, the registry host of image references. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://" + hostPort();
    }

    /** {@code 127.0.0.1:PORT/<repository>:<tag>}. */
    public String reference(String repository, String tag) {
        return hostPort() + "/" + repository + ":" + tag;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** A pusher for this registry, with its credentials if it has any. */
    public RegistryPusher pusher() {
        return new RegistryPusher(url(), username, password);
    }

    /** The temp dir (config, htpasswd, log, storage). */
    public Path dir() {
        return dir;
    }

    /** The registry's filesystem storage root ({@code docker/registry/v2/...} underneath). */
    public Path storageDir() {
        return dir.resolve("storage");
    }

    public Path logFile() {
        return log;
    }

    /** The registry's output so far (its own log and the access log), for failure messages. */
    public String registryLog() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Stops a registry that never became ready; its dir stays for the next attempt or the caller. */
    private void discard() {
        closed = true;
        stopProcess();
        removeShutdownHook();
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    /** SIGTERM, then SIGKILL after 10s; by this process's handle only. */
    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stopProcess();
        } finally {
            removeShutdownHook();
            deleteTree(dir);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public String toString() {
        return "LocalRegistry[" + url() + (username == null ? "" : ", basic auth") + ", " + dir + "]";
    }
}
