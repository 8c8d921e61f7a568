package dev.jcri.e2e.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.e2e.registry.LocalRegistry;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Debian package on a clean cgroup v2 + systemd node (the test guest): {@code apt-get install ./jcri_*.deb}
 * with nothing from outside (the dependencies are in the image, apt has no network), jcri.service active and
 * serving, the unit verified, a pod and container run over the socket, {@code systemctl restart jcri} and an upgrade
 * to a second build keep the container running, and a purge leaves no unit, mount or process of jcri's.
 *
 * <p>Needs two packages of the same build in {@code jcri.dist}, the second an upgrade of the first: {@code make
 * deb-upgrade-pair} (revisions 1 and 2); skipped when there is none. jcri starts 4 times here; under emulation each start takes
 * tens of seconds, so every wait has minutes of headroom.
 */
class DebianPackageTest {
    private static final Path DIST = Path.of(System.getProperty("jcri.dist", "/mnt/share/dist"));
    private static final Path SOCKET = Path.of("/run/jcri/jcri.sock");
    private static final Path UNIT = Path.of("/usr/lib/systemd/system/jcri.service");
    private static final Path REGISTRIES = Path.of("/etc/containers/registries.conf");
    /** Only while jcri lacks sd_notify (another branch adds it): without READY=1 a Type=notify unit never starts. */
    private static final Path NO_NOTIFY = Path.of("/etc/systemd/system/jcri.service.d/50-test-no-notify.conf");

    private static final int START_SECONDS = 900;
    /** grpc-netty warns about SO_KEEPALIVE on every unix-socket channel; harmless, and noise in test output. */
    private static final java.util.logging.Logger NETTY_BOOTSTRAP =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    static {
        NETTY_BOOTSTRAP.setLevel(java.util.logging.Level.SEVERE);
    }

    private static LocalRegistry registry;
    private static boolean wroteRegistries;
    private static List<Path> packages;

    @BeforeAll
    static void prepare() throws Exception {
        packages = packagesByVersion();
        assertFalse(Files.exists(UNIT), "a jcri unit is installed already; the guest must be clean");
        assertFalse(Files.exists(Path.of("/etc/systemd/system/jcri.service")), "another test left its unit");
        registry = LocalRegistry.start();
        registry.pusher().push("test/busybox", "1", OciImageBuilder.busybox().build());
        if (!Files.exists(REGISTRIES)) {
            Files.createDirectories(REGISTRIES.getParent());
            Files.writeString(REGISTRIES, """
                    [[registry]]
                    prefix = "%1$s"
                    location = "%1$s"
                    insecure = true
                    """.formatted(registry.hostPort()));
            wroteRegistries = true;
        }
        if (!jarSendsReady(Path.of(System.getProperty("jcri.jar")))) {
            System.out.println("NOTE: this build of jcri sends no READY=1 (sd_notify comes with the systemd driver "
                    + "work); the test runs the unit as Type=simple through a drop-in");
            Files.createDirectories(NO_NOTIFY.getParent());
            Files.writeString(NO_NOTIFY, "[Service]\nType=simple\n");
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            if (Files.exists(UNIT)) {
                System.out.println(run(List.of("apt-get", "purge", "-y", "jcri"), 600, false));
            }
        } finally {
            Files.deleteIfExists(NO_NOTIFY);
            if (Files.isDirectory(NO_NOTIFY.getParent())) {
                Files.deleteIfExists(NO_NOTIFY.getParent());
            }
            if (wroteRegistries) {
                Files.deleteIfExists(REGISTRIES);
            }
            run(List.of("ip", "link", "del", "cni0"), 60, false);
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void installRunRestartUpgradePurge() throws Exception {
        Path first = packages.get(0);
        Path second = packages.get(packages.size() - 1);
        assertTrue(packages.size() >= 2, "two builds of the package are needed for the upgrade: " + packages);

        step("install " + first.getFileName());
        System.out.println(aptGet("install", first));
        assertTrue(Files.isRegularFile(UNIT));
        assertTrue(Files.isRegularFile(Path.of("/etc/jcri/jcri.toml")));
        assertEquals(
                "enabled",
                run(List.of("systemctl", "is-enabled", "jcri.service"), 120, false)
                        .strip());
        String version = awaitServing("after install");
        assertEquals("0.1.0", version);
        String runtimeVersion = runtimeVersion();
        String stamped = Files.readAllLines(Path.of("/usr/lib/jcri/VERSION")).getFirst();
        assertTrue(runtimeVersion.startsWith(stamped), runtimeVersion + " vs " + stamped);

        step("systemd-analyze verify");
        System.out.println(run(List.of("systemd-analyze", "verify", UNIT.toString()), 300, true));

        step("journal: one entry per line, at the line's level, without the prefix");
        String journal = run(
                List.of(
                        "journalctl",
                        "-u",
                        "jcri.service",
                        "-o",
                        "json",
                        "--output-fields=PRIORITY,MESSAGE",
                        "--no-pager"),
                120,
                true);
        String ready = journal.lines()
                .filter(l -> l.contains("jcri ready"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no 'jcri ready' in the journal:\n" + journal));
        assertTrue(ready.contains("\"PRIORITY\":\"6\""), ready);
        assertFalse(ready.contains("<6>"), ready);

        step("pod and container");
        String image = registry.hostPort() + "/test/busybox:1";
        String pod;
        String container;
        try (Cri cri = Cri.connect()) {
            cri.images.pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image))
                    .build());
            pod = cri.runtime
                    .runPodSandbox(RunPodSandboxRequest.newBuilder()
                            .setConfig(PodSandboxConfig.newBuilder()
                                    .setMetadata(PodSandboxMetadata.newBuilder()
                                            .setName("deb")
                                            .setNamespace("guest")
                                            .setUid("deb-1"))
                                    .setHostname("deb")
                                    .setLogDirectory("/var/log/pods/guest_deb_deb-1")
                                    .setLinux(LinuxPodSandboxConfig.newBuilder()
                                            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                                    .setNamespaceOptions(NamespaceOption.newBuilder()
                                                            .setPid(NamespaceMode.CONTAINER)))))
                            .build())
                    .getPodSandboxId();
            container = cri.runtime
                    .createContainer(CreateContainerRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .setConfig(ContainerConfig.newBuilder()
                                    .setMetadata(ContainerMetadata.newBuilder().setName("sleeper"))
                                    .setImage(ImageSpec.newBuilder().setImage(image))
                                    .addAllCommand(List.of("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"))
                                    .setLogPath("sleeper.log"))
                            .build())
                    .getContainerId();
            cri.runtime.startContainer(
                    StartContainerRequest.newBuilder().setContainerId(container).build());
            assertEquals(ContainerState.CONTAINER_RUNNING, cri.state(container));
        }

        step("systemctl restart jcri");
        run(List.of("systemctl", "restart", "jcri.service"), START_SECONDS, true);
        awaitServing("after restart");
        try (Cri cri = Cri.connect()) {
            assertEquals(ContainerState.CONTAINER_RUNNING, cri.state(container), "the container after a restart");
        }

        step("upgrade to " + second.getFileName());
        System.out.println(aptGet("install", second));
        awaitServing("after upgrade");
        String installed = run(List.of("dpkg-query", "-W", "-f=${Version}", "jcri"), 120, true)
                .strip();
        assertTrue(second.getFileName().toString().contains("_" + installed + "_"), installed);
        try (Cri cri = Cri.connect()) {
            assertEquals(ContainerState.CONTAINER_RUNNING, cri.state(container), "the container after an upgrade");
            // As an operator drains a node before removing its runtime.
            cri.runtime.stopContainer(StopContainerRequest.newBuilder()
                    .setContainerId(container)
                    .setTimeout(30)
                    .build());
            cri.runtime.removeContainer(RemoveContainerRequest.newBuilder()
                    .setContainerId(container)
                    .build());
            cri.runtime.stopPodSandbox(
                    StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            cri.runtime.removePodSandbox(
                    RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }

        step("purge");
        String purge = run(List.of("apt-get", "purge", "-y", "jcri"), 600, true);
        System.out.println(purge);
        assertTrue(purge.contains("purge removes /var/lib/jcri"), purge);
        assertFalse(Files.exists(UNIT), "unit file");
        // jcri.service and the scopes jcri's systemd driver makes (jcri-<id>.scope); the guest's own runner unit is
        // jcri-guest-run.service, hence no wider pattern.
        assertEquals(
                "",
                run(
                                List.of(
                                        "systemctl",
                                        "list-units",
                                        "--all",
                                        "--plain",
                                        "--no-legend",
                                        "jcri.service",
                                        "jcri-*.scope"),
                                120,
                                false)
                        .strip(),
                "units of jcri");
        assertEquals(
                "",
                run(List.of("systemctl", "list-unit-files", "--plain", "--no-legend", "jcri.service"), 120, false)
                        .strip(),
                "unit files of jcri");
        for (String gone : List.of("/etc/jcri", "/var/lib/jcri", "/run/jcri", "/usr/lib/jcri", "/usr/bin/jcri")) {
            assertFalse(Files.exists(Path.of(gone)), gone);
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains("/jcri"), "mounts of jcri's:\n" + mounts);
        assertEquals(List.of(), processesOfJcri());
    }

    /** A CRI client on the node's socket; a fresh one after each restart, so no reconnect backoff is waited out. */
    private record Cri(
            ManagedChannel channel,
            RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime,
            ImageServiceGrpc.ImageServiceBlockingStub images)
            implements AutoCloseable {
        static Cri connect() {
            ManagedChannel channel = Grpc.newChannelBuilder("unix://" + SOCKET, InsecureChannelCredentials.create())
                    .build();
            return new Cri(
                    channel,
                    RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(600, TimeUnit.SECONDS),
                    ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(600, TimeUnit.SECONDS));
        }

        ContainerState state(String id) {
            return runtime.containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(id)
                            .build())
                    .getStatus()
                    .getState();
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Waits for jcri.service to be active and its socket to answer Version; returns the Version's version field. */
    private static String awaitServing(String when) throws Exception {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(START_SECONDS);
        String state = "";
        while (System.nanoTime() < deadline) {
            state = run(List.of("systemctl", "is-active", "jcri.service"), 120, false)
                    .strip();
            if (state.equals("failed")) {
                break;
            }
            if (state.equals("active") && Files.exists(SOCKET)) {
                try (Cri cri = Cri.connect()) {
                    String version = cri.runtime
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .version(VersionRequest.getDefaultInstance())
                            .getVersion();
                    System.out.printf(
                            "jcri.service serving %s after %d s%n",
                            when, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
                    return version;
                } catch (StatusRuntimeException e) {
                    // Active as Type=simple before the socket is up.
                }
            }
            Thread.sleep(1000);
        }
        fail("jcri.service not serving " + when + " (state " + state + "):\n"
                + run(List.of("systemctl", "status", "--no-pager", "-l", "jcri.service"), 120, false)
                + run(List.of("journalctl", "-u", "jcri.service", "--no-pager", "-n", "80"), 120, false));
        return null;
    }

    private static String runtimeVersion() throws InterruptedException {
        try (Cri cri = Cri.connect()) {
            return cri.runtime.version(VersionRequest.getDefaultInstance()).getRuntimeVersion();
        }
    }

    private static String aptGet(String verb, Path deb) throws Exception {
        return run(
                List.of(
                        "apt-get",
                        verb,
                        "-y",
                        "--no-install-recommends",
                        deb.toAbsolutePath().toString()),
                START_SECONDS + 600,
                true);
    }

    /** The packages in jcri.dist, oldest version first (dpkg's order). */
    private static List<Path> packagesByVersion() throws Exception {
        List<Path> debs;
        try (Stream<Path> files = Files.list(DIST)) {
            debs = new ArrayList<>(files.filter(f -> f.getFileName().toString().matches("jcri_.*_amd64\\.deb"))
                    .toList());
        }
        Assumptions.assumeFalse(debs.isEmpty(), "no jcri_*_amd64.deb in " + DIST + ": make deb-upgrade-pair first");
        debs.sort(Comparator.comparing(DebianPackageTest::debVersion, DebianPackageTest::compareVersions));
        return debs;
    }

    private static String debVersion(Path deb) {
        return deb.getFileName().toString().replaceFirst("^jcri_", "").replaceFirst("_amd64\\.deb$", "");
    }

    private static int compareVersions(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        try {
            Process compare = new ProcessBuilder("dpkg", "--compare-versions", a, "lt", b).start();
            return compare.waitFor() == 0 ? -1 : 1;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether jcri tells systemd it is ready (sd_notify READY=1): the jar holds that string in some class. */
    private static boolean jarSendsReady(Path jar) throws IOException {
        byte[] needle = "READY=1".getBytes(StandardCharsets.UTF_8);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                var entry = entries.nextElement();
                if (entry.getName().startsWith("dev/jcri/") && entry.getName().endsWith(".class")) {
                    byte[] bytes = zip.getInputStream(entry).readAllBytes();
                    if (indexOf(bytes, needle) >= 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Processes run from the package (the daemon) and conmons, by their command lines. */
    private static List<String> processesOfJcri() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains("/usr/lib/jcri/") || cmdline.startsWith("/usr/bin/conmon")) {
                        found.add(proc.getFileName() + ": " + cmdline);
                    }
                } catch (IOException e) {
                    // Ended meanwhile.
                }
            }
        }
        return found;
    }

    private static void step(String what) {
        System.out.println("== " + what);
    }

    private static String run(List<String> command, int timeoutSeconds, boolean mustSucceed)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail(command + " took longer than " + timeoutSeconds + " s");
        }
        String output = new String(out, StandardCharsets.UTF_8);
        if (mustSucceed && process.exitValue() != 0) {
            fail(command + " exited with " + process.exitValue() + ":\n" + output);
        }
        return output;
    }
}
