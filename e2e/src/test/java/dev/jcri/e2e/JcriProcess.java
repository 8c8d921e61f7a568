package dev.jcri.e2e;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.VersionRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real jcri daemon for one test class: its own root, runroot, socket and config under a temp dir, started as a
 * separate JVM from the jar the server module built, reached over its unix socket.
 */
public final class JcriProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Slowdown.of(Duration.ofSeconds(60));
    /** grpc-netty warns about SO_KEEPALIVE on every unix-socket channel; harmless, and noise in test output. */
    private static final java.util.logging.Logger NETTY_BOOTSTRAP = quiet("io.grpc.netty.shaded.io.netty.bootstrap");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    private final Path dir;
    private final Process process;
    private final Path log;
    private final ManagedChannel channel;

    private JcriProcess(Path dir, Process process, Path log, ManagedChannel channel) {
        this.dir = dir;
        this.process = process;
        this.log = log;
        this.channel = channel;
    }

    /** A fresh state dir for a daemon, with an empty CNI conf dir and an empty drop-in dir. */
    public static Path newStateDir() throws IOException {
        Path dir = Files.createTempDirectory("jcri-e2e-");
        // As /var/lib and /run are on a node: a user-namespaced container's root must traverse to its rootfs.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Files.createDirectories(dir.resolve("cni/net.d"));
        Files.createDirectories(dir.resolve("jcri.d"));
        Files.writeString(dir.resolve("jcri.toml"), "");
        // Tests bring their own network configs (own bridge and subnet); jcri's default would take cni0.
        // Its own cgroup parent too, which cleanup removes: a test leaves no cgroup behind.
        // And a pause image on loopback that nothing serves: no test reaches out for registry.k8s.io.
        // Metrics on a free port: daemons of parallel tests (and the node's own 9090) never collide.
        Files.writeString(
                dir.resolve("jcri.d/00-e2e.toml"),
                "cgroup_parent = \"" + cgroupParent(dir)
                        + "\"\npause_image = \"127.0.0.1:9/e2e/pause:none\"\n[cni]\ndefault_network = false\n"
                        + "[metrics]\naddress = \"127.0.0.1:0\"\n");
        return dir;
    }

    public static JcriProcess start() throws IOException, InterruptedException {
        return start(newStateDir(), List.of());
    }

    /** Starts jcri on {@code dir} and waits until it answers Version. */
    public static JcriProcess start(Path dir, List<String> extraArgs) throws IOException, InterruptedException {
        return start(dir, extraArgs, Map.of());
    }

    /**
     * Like {@link #start(Path, List)}, with extra environment for the daemon: {@code JCRI_CRASH_AT} and
     * {@code JCRI_DELAY_AT} arm its test crash points (see DEVELOPERS.md).
     */
    public static JcriProcess start(Path dir, List<String> extraArgs, Map<String, String> env)
            throws IOException, InterruptedException {
        return start(jarLauncher(), dir, extraArgs, env);
    }

    /**
     * Like {@link #start(Path, List, Map)}, run by {@code launcher} (the command before jcri's own arguments)
     * instead of {@code java -jar} on the built jar: a release's {@code bin/jcri}, for one.
     */
    public static JcriProcess start(List<String> launcher, Path dir, List<String> extraArgs, Map<String, String> env)
            throws IOException, InterruptedException {
        Path log = dir.resolve("jcri.log");
        Process process = launch(launcher, dir, extraArgs, log, env);
        // ExecSync answers carry up to 16 MiB per stream; gRPC's client default is 4 MiB.
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket(dir), InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20)
                .build();
        JcriProcess jcri = new JcriProcess(dir, process, log, channel);
        try {
            jcri.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            // The caller never gets this object to close: a daemon that did not come up leaves no open channel.
            channel.shutdownNow();
            throw e;
        }
        return jcri;
    }

    /** Runs jcri (a command or the daemon) and returns its process, output going to {@code log}. */
    public static Process launch(Path dir, List<String> extraArgs, Path log) throws IOException {
        return launch(dir, extraArgs, log, Map.of());
    }

    static Process launch(Path dir, List<String> extraArgs, Path log, Map<String, String> env) throws IOException {
        return launch(jarLauncher(), dir, extraArgs, log, env);
    }

    /** The built jar on the JDK that runs the tests. */
    public static List<String> jarLauncher() {
        return List.of(
                System.getProperty("jcri.java", "java"),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jarPath().toString());
    }

    static Process launch(List<String> launcher, Path dir, List<String> extraArgs, Path log, Map<String, String> env)
            throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(
                "--config", dir.resolve("jcri.toml").toString(),
                "--config-dir", dir.resolve("jcri.d").toString(),
                "--root", dir.resolve("root").toString(),
                "--runroot", dir.resolve("run").toString(),
                "--listen", socket(dir).toString(),
                "--cni-conf-dir", dir.resolve("cni/net.d").toString(),
                "--registries-config", dir.resolve("registries.conf").toString(),
                "--log-level", "debug"));
        command.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command);
        // Layer entry names are UTF-8; the JVM takes its file name encoding from the locale.
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().putAll(env);
        return builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The cgroup parent of a test daemon: one per state dir, under no cgroup anyone else uses. */
    public static String cgroupParent(Path dir) {
        return "/" + dir.getFileName().toString();
    }

    public static Path socket(Path dir) {
        return dir.resolve("run/jcri.sock");
    }

    static Path jarPath() {
        Path jar = Path.of(System.getProperty("jcri.jar", "../server/target/jcri.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("jcri jar not found at " + jar + "; build the server module first");
        }
        return jar;
    }

    private void awaitReady() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        RuntimeServiceGrpc.RuntimeServiceBlockingStub stub = RuntimeServiceGrpc.newBlockingStub(channel);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "jcri exited with " + process.exitValue() + " before it was ready:\n" + log());
            }
            if (Files.exists(socket(dir))) {
                try {
                    stub.withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                    return;
                } catch (StatusRuntimeException e) {
                    // Not serving yet. After a kill -9 the dead daemon's socket file is still there: the first try
                    // is refused, and gRPC's reconnect backoff (1 s, growing) would otherwise be timed as start-up.
                    channel.resetConnectBackoff();
                }
            }
            // Short: the release benchmark times start-up with this loop.
            Thread.sleep(10);
        }
        close();
        throw new IllegalStateException("jcri not ready within " + READY_TIMEOUT + ":\n" + log());
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(Slowdown.seconds(60), TimeUnit.SECONDS);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(Slowdown.seconds(300), TimeUnit.SECONDS);
    }

    public Path dir() {
        return dir;
    }

    public Path socket() {
        return socket(dir);
    }

    public Process process() {
        return process;
    }

    /** After the daemon died on its own (a crash point): closes the client side; the state dir stays. */
    void forget() {
        channel.shutdownNow();
    }

    /** kill -9 of the daemon, as a crash; the client side is closed, the state dir stays for a restart. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
        forget();
    }

    /** The port the metrics server took, from its startup log line (the last one: a restart appends to the log). */
    public int metricsPort() throws IOException {
        java.util.regex.Matcher port = java.util.regex.Pattern.compile("metrics server listening on \\S+:(\\d+)\\s")
                .matcher(log());
        String last = null;
        while (port.find()) {
            last = port.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("jcri logged no metrics server");
        }
        return Integer.parseInt(last);
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    }

    /** SIGTERM, as a service manager stops it; returns the exit code. */
    public int stop() throws InterruptedException {
        channel.shutdownNow();
        process.destroy();
        if (!process.waitFor(Slowdown.seconds(30), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            stop();
        }
        channel.shutdownNow();
        StateDirCleanup.remove(dir);
    }
}
