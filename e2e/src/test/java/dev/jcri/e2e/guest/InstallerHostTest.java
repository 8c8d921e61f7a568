package dev.jcri.e2e.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.VersionRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's installer (charts/installer/jcri-installer) on a real cgroup v2 + systemd node (the test guest), with
 * its host steps done for real: {@code --root=/ --host-systemd=nsenter}, as the DaemonSet runs it except that here
 * the script is not in a container. It unpacks the release archive of {@code jcri.dist}, writes the unit and the
 * chart's drop-in, enables and starts jcri.service through PID 1's namespaces; jcri then answers on its socket and
 * serves metrics where the drop-in says. Uninstall stops and removes it. Leaves the node as it found it, so that
 * DebianPackageTest can run in the same boot.
 */
class InstallerHostTest {
    private static final Path DIST = Path.of(System.getProperty("jcri.dist", "/mnt/share/dist"));
    private static final Path SOCKET = Path.of("/run/jcri/jcri.sock");
    private static final Path UNIT = Path.of("/etc/systemd/system/jcri.service");
    /** Not the default 9090: serving there proves jcri read the chart's drop-in. */
    private static final int METRICS_PORT = 9464;

    private static Path archive;
    private static Path work;
    private static Path script;

    @BeforeAll
    static void prepare() throws Exception {
        try (Stream<Path> files = Files.list(DIST)) {
            archive = files.filter(f -> f.getFileName().toString().matches("jcri-.*-linux-amd64\\.tar\\.gz"))
                    .findFirst()
                    .orElse(null);
        }
        Assumptions.assumeTrue(archive != null, "no release archive in " + DIST + ": make dist first");
        assertFalse(Files.exists(Path.of("/usr/lib/systemd/system/jcri.service")), "the Debian package is installed");
        assertFalse(Files.exists(UNIT), "another test left its unit");
        work = Files.createTempDirectory("jcri-installer-");
        script = work.resolve("jcri-installer");
        try (var in = InstallerHostTest.class.getResourceAsStream("/charts/installer/jcri-installer")) {
            Files.write(script, in.readAllBytes());
        }
        Files.writeString(work.resolve("50-chart.toml"), """
                # Written by the jcri chart (release guest); `helm upgrade` replaces it.
                log_level = "debug"

                [metrics]
                enabled = true
                address = "127.0.0.1:%d"
                """.formatted(METRICS_PORT));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (Files.exists(UNIT)) {
            System.out.println(installer("uninstall"));
        }
        // What jcri made while it ran: the state the installer keeps (as `apt-get remove` does), its default network.
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        for (String line : mounts.lines().toList().reversed()) {
            String target = line.split(" ")[4];
            if (target.startsWith("/var/lib/jcri") || target.startsWith("/run/jcri")) {
                run(List.of("umount", "-l", target), 60, false);
            }
        }
        run(List.of("rm", "-rf", "--one-file-system", "/var/lib/jcri", "/run/jcri"), 120, false);
        Files.deleteIfExists(Path.of("/etc/cni/net.d/10-jcri-bridge.conflist"));
        run(List.of("ip", "link", "del", "cni0"), 60, false);
        if (work != null) {
            run(List.of("rm", "-rf", work.toString()), 60, false);
        }
    }

    @Test
    void installsAndStartsJcriServiceThenUninstallRemovesIt() throws Exception {
        long started = System.nanoTime();
        String installLog = installer("install");
        System.out.println(installLog);
        System.out.printf(
                "installed and serving after %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        assertTrue(installLog.contains("systemctl restart jcri.service"), installLog);
        assertTrue(installLog.contains("jcri serves on /run/jcri/jcri.sock"), installLog);

        assertEquals("active", systemctl("is-active", "jcri.service"));
        assertEquals("enabled", systemctl("is-enabled", "jcri.service"));
        String stamped = Files.readAllLines(Path.of("/usr/lib/jcri/VERSION")).getFirst();
        assertTrue(runtimeVersion().startsWith(stamped), "the socket answers Version with the installed release");
        assertEquals(Path.of("../lib/jcri/bin/jcri"), Files.readSymbolicLink(Path.of("/usr/bin/jcri")));
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + METRICS_PORT + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode(), "metrics where the chart's drop-in put them");

        String uninstallLog = installer("uninstall");
        System.out.println(uninstallLog);
        assertNotEquals("active", systemctl("is-active", "jcri.service"));
        assertEquals(
                "",
                run(List.of("systemctl", "list-unit-files", "--plain", "--no-legend", "jcri.service"), 120, false)
                        .strip());
        for (String gone : List.of(
                UNIT.toString(),
                "/usr/lib/jcri",
                "/usr/bin/jcri",
                "/etc/jcri/jcri.d/50-chart.toml",
                "/var/lib/jcri-installer")) {
            assertFalse(Files.exists(Path.of(gone)), gone);
        }
        assertFalse(Files.exists(SOCKET) && socketAnswers(), "jcri stopped");
    }

    private static String installer(String action) throws Exception {
        return run(
                List.of(
                        "sh",
                        script.toString(),
                        action,
                        "--root=/",
                        "--archive=" + archive,
                        "--config=" + work.resolve("50-chart.toml"),
                        "--host-systemd=nsenter",
                        "--kubelet-switch=false"),
                900,
                true);
    }

    private static String systemctl(String verb, String unit) throws Exception {
        return run(List.of("systemctl", verb, unit), 120, false).strip();
    }

    private static String runtimeVersion() throws InterruptedException {
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + SOCKET, InsecureChannelCredentials.create())
                .build();
        try {
            return RuntimeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(120, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance())
                    .getRuntimeVersion();
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static boolean socketAnswers() throws InterruptedException {
        try {
            runtimeVersion();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String run(List<String> command, int timeoutSeconds, boolean mustSucceed)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
