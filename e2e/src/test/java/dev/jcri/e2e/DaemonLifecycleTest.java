package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.VersionRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The daemon as a process: socket ownership, one daemon per state dir, signals, and config errors at startup. */
class DaemonLifecycleTest {

    @Test
    void socketIsMode0660OwnedByRoot() throws Exception {
        try (JcriProcess jcri = JcriProcess.start()) {
            assertEquals(
                    "rw-rw----",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(jcri.socket(), LinkOption.NOFOLLOW_LINKS)));
            assertEquals(
                    "root",
                    Files.getOwner(jcri.socket(), LinkOption.NOFOLLOW_LINKS).getName());
            assertEquals(0, Files.getAttribute(jcri.socket(), "unix:gid", LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void sigtermDrainsAndExitsZeroRemovingTheSocket() throws Exception {
        try (JcriProcess jcri = JcriProcess.start()) {
            assertEquals(0, jcri.stop(), () -> log(jcri));
            assertFalse(Files.exists(jcri.socket()));
            assertTrue(log(jcri).contains("stopped"));
        }
    }

    @Test
    void secondDaemonOnTheSameSocketIsRefused() throws Exception {
        try (JcriProcess first = JcriProcess.start()) {
            Path other = JcriProcess.newStateDir();
            try {
                // Its own root and runroot, but the first daemon's socket.
                Process second = JcriProcess.launch(
                        other, List.of("--listen", first.socket().toString()), other.resolve("second.log"));
                assertTrue(second.waitFor(60, TimeUnit.SECONDS));
                assertNotEquals(0, second.exitValue());
                String output = Files.readString(other.resolve("second.log"));
                assertTrue(output.contains("already serving on " + first.socket()), output);
                first.runtime().version(VersionRequest.getDefaultInstance());
            } finally {
                StateDirCleanup.remove(other);
            }
        }
    }

    @Test
    void secondDaemonOnTheSameStateDirIsRefused() throws Exception {
        try (JcriProcess first = JcriProcess.start()) {
            Path other = JcriProcess.newStateDir();
            try {
                Process second = JcriProcess.launch(
                        other, List.of("--root", first.dir().resolve("root").toString()), other.resolve("second.log"));
                assertTrue(second.waitFor(60, TimeUnit.SECONDS));
                assertNotEquals(0, second.exitValue());
                String output = Files.readString(other.resolve("second.log"));
                assertTrue(
                        output.contains("another jcri (pid " + first.process().pid() + ") holds"), output);
            } finally {
                StateDirCleanup.remove(other);
            }
        }
    }

    @Test
    void staleSocketOfACrashedDaemonIsReplaced() throws Exception {
        Path dir = JcriProcess.newStateDir();
        Path socket = JcriProcess.socket(dir);
        Files.createDirectories(socket.getParent());
        // A socket file nobody listens on any more, as a killed daemon leaves it.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (JcriProcess jcri = JcriProcess.start(dir, List.of())) {
            assertEquals(
                    "jcri",
                    jcri.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
        }
    }

    @Test
    void killedDaemonRestartsOnItsStateDir() throws Exception {
        Path dir = JcriProcess.newStateDir();
        JcriProcess first = JcriProcess.start(dir, List.of());
        first.kill();
        try (JcriProcess second = JcriProcess.start(dir, List.of())) {
            assertEquals(
                    "jcri",
                    second.runtime()
                            .version(VersionRequest.getDefaultInstance())
                            .getRuntimeName());
        }
    }

    @Test
    void unknownKeyInADropInStopsStartupNamingFileAndKey() throws Exception {
        Path dir = JcriProcess.newStateDir();
        try {
            Path dropIn = dir.resolve("jcri.d/50-typo.toml");
            Files.writeString(dropIn, "[cni]\nconf_dir = \"/etc/cni/net.d\"\n");
            String output = runToExit(dir, 2);
            assertTrue(output.contains(dropIn.toString()), output);
            assertTrue(output.contains("unknown key 'cni.conf_dir'"), output);
            assertTrue(output.contains("conf_dirs"), "lists the known keys: " + output);
        } finally {
            StateDirCleanup.remove(dir);
        }
    }

    @Test
    void wrongTypeInTheMainFileStopsStartupNamingTheExpectation() throws Exception {
        Path dir = JcriProcess.newStateDir();
        try {
            Files.writeString(dir.resolve("jcri.toml"), "[streaming]\nport = \"10010\"\n");
            String output = runToExit(dir, 2);
            assertTrue(
                    output.contains(dir.resolve("jcri.toml") + ": key 'streaming.port': expected an integer port"),
                    output);
        } finally {
            StateDirCleanup.remove(dir);
        }
    }

    @Test
    void configCommandPrintsTomlThatJcriReadsBack() throws Exception {
        Path dir = JcriProcess.newStateDir();
        try {
            Files.writeString(dir.resolve("jcri.d/10-level.toml"), "log_level = \"warn\"\n");
            Process printed = new ProcessBuilder(
                            System.getProperty("jcri.java", "java"),
                            "-jar",
                            JcriProcess.jarPath().toString(),
                            "config",
                            "--config",
                            dir.resolve("jcri.toml").toString(),
                            "--root",
                            "/var/lib/jcri-printed")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String toml = new String(printed.getInputStream().readAllBytes());
            assertEquals(0, printed.waitFor());
            assertTrue(toml.contains("log_level = \"warn\""), toml);
            assertTrue(toml.contains("root = \"/var/lib/jcri-printed\""), toml);
            assertTrue(toml.contains("[runtimes.crun]"), toml);
            assertTrue(toml.contains("# "), "commented: " + toml);

            Path saved = dir.resolve("saved.toml");
            Files.writeString(saved, toml);
            Process reread = new ProcessBuilder(
                            System.getProperty("jcri.java", "java"),
                            "-jar",
                            JcriProcess.jarPath().toString(),
                            "config",
                            "--config",
                            saved.toString(),
                            "--config-dir",
                            dir.resolve("none").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String again = new String(reread.getInputStream().readAllBytes());
            assertEquals(0, reread.waitFor());
            assertEquals(
                    toml.lines().filter(l -> !l.startsWith("#")).toList(),
                    again.lines().filter(l -> !l.startsWith("#")).toList());
        } finally {
            StateDirCleanup.remove(dir);
        }
    }

    @Test
    void theConfigurationReferenceShowsTheBuiltInDefaults() throws Exception {
        Path dir = JcriProcess.newStateDir();
        try {
            Path empty = dir.resolve("empty.toml");
            Files.writeString(empty, "");
            Process printed = new ProcessBuilder(
                            System.getProperty("jcri.java", "java"),
                            "-jar",
                            JcriProcess.jarPath().toString(),
                            "config",
                            "--config",
                            empty.toString(),
                            "--config-dir",
                            dir.resolve("none").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String toml = new String(printed.getInputStream().readAllBytes());
            assertEquals(0, printed.waitFor());
            String reference = Files.readString(
                    Path.of(System.getProperty("jcri.docs", "../docs")).resolve("configuration.md"));
            String block = reference.substring(reference.indexOf("```toml\n") + 8, reference.lastIndexOf("```"));
            assertEquals(settings(toml), settings(block), "docs/configuration.md is what `jcri config` prints");
        } finally {
            StateDirCleanup.remove(dir);
        }
    }

    private static List<String> settings(String toml) {
        return toml.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private static String runToExit(Path dir, int expectedExit) throws IOException, InterruptedException {
        Path log = dir.resolve("out.log");
        Process process = JcriProcess.launch(dir, List.of(), log);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = Files.readString(log);
        assertEquals(expectedExit, process.exitValue(), output);
        assertFalse(Files.exists(JcriProcess.socket(dir)), "no socket from a daemon that did not start");
        return output;
    }

    private static String log(JcriProcess jcri) {
        try {
            return jcri.log();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
