package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

/**
 * The release archive ({@code make dist}), unpacked elsewhere than where it was built: its layout, its version
 * stamp, and its daemon on the bundled runtime with the AOT cache in use, answering Version. The archive is built
 * from the jar this build made when there is no newer one (about two minutes: jlink and the training run).
 */
class ReleaseTest {
    private static Path unpacked;
    private static Path release;
    private static String version;
    private static String commit;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Release.archive();
        System.out.printf("release archive %s: %.1f MB%n", archive.getFileName(), Files.size(archive) / 1e6);
        unpacked = Files.createTempDirectory("jcri-release-");
        release = Release.extract(archive, unpacked);
        List<String> stamp = Files.readAllLines(release.resolve("VERSION"));
        version = stamp.get(0);
        commit = stamp.get(1);
    }

    @AfterAll
    static void remove() throws IOException, InterruptedException {
        if (unpacked != null) {
            StateDirCleanup.remove(unpacked);
        }
    }

    @Test
    void holdsRuntimeJarCacheAndNodeFiles() throws IOException {
        for (String file : List.of("bin/jcri", "runtime/bin/java")) {
            assertTrue(Files.isExecutable(release.resolve(file)), file);
        }
        for (String file : List.of(
                "lib/jcri.jar",
                "lib/jcri.aot",
                "etc/jcri.toml",
                "systemd/jcri.service",
                "seccomp/runtime-default.json",
                "legal/THIRD-PARTY",
                "runtime/legal/java.base",
                "INSTALL")) {
            assertTrue(Files.exists(release.resolve(file)), file);
        }
        assertFalse(Files.exists(release.resolve("runtime/include")), "no JDK headers");
        assertFalse(Files.exists(release.resolve("runtime/man")), "no man pages");
        String modules = Files.readString(release.resolve("runtime/release"));
        assertTrue(modules.contains("jdk.unsupported"), modules);
        assertFalse(modules.contains("java.desktop"), modules);
        assertTrue(Files.readString(release.resolve("legal/THIRD-PARTY")).contains("io.grpc:grpc-netty-shaded"));
        new ObjectMapper()
                .readTree(release.resolve("seccomp/runtime-default.json").toFile());

        String unit = Files.readString(release.resolve("systemd/jcri.service"));
        for (String setting : List.of("Type=notify", "KillMode=process", "ExecStart=/usr/bin/jcri")) {
            assertTrue(unit.contains(setting + "\n"), setting);
        }
        // The default configuration documents every setting and sets none.
        for (String line : Files.readAllLines(release.resolve("etc/jcri.toml"))) {
            assertTrue(line.isBlank() || line.startsWith("#"), line);
        }
        assertTrue(Files.readString(release.resolve("etc/jcri.toml")).contains("#root = \"/var/lib/jcri\""));
    }

    @Test
    void versionNamesTheReleaseAndItsCommit() throws Exception {
        assertFalse(commit.isBlank());
        String expected = "jcri " + version + (commit.equals("unknown") ? "" : "+" + commit) + " (CRI v1)";
        assertEquals(expected, run(List.of("--version"), Map.of()).strip());
    }

    @Test
    void aCacheThatDoesNotMatchOnlyCostsTime() throws Exception {
        Path other = Files.createTempDirectory(unpacked, "mismatch-");
        Files.writeString(other.resolve("jcri.aot"), "not an AOT cache");
        String out = run(List.of("--version"), Map.of("JCRI_JAVA_OPTS", "-XX:AOTCache=" + other.resolve("jcri.aot")));
        assertTrue(out.startsWith("jcri " + version), out);
    }

    @Test
    void configGoesToStdoutAlone() throws Exception {
        String out = run(List.of("config"), Map.of());
        assertTrue(out.startsWith("# jcri node configuration"), out);
        assertFalse(out.contains("[warning]"), out);
    }

    /**
     * The daemon from the release, with {@code -XX:AOTMode=on} (the JVM refuses to start when the cache cannot be
     * used), and stderr taken for the journal's stream: each log line then carries its syslog priority.
     */
    @Test
    void daemonServesWithTheAotCacheAndJournalPriorities() throws Exception {
        Path dir = JcriProcess.newStateDir();
        Path log = Files.createFile(dir.resolve("jcri.log"));
        Map<String, Object> stat = Files.readAttributes(log, "unix:dev,ino");
        Map<String, String> env =
                Map.of("JCRI_JAVA_OPTS", "-XX:AOTMode=on", "JOURNAL_STREAM", stat.get("dev") + ":" + stat.get("ino"));
        try (JcriProcess jcri = JcriProcess.start(Release.launcher(release), dir, List.of(), env)) {
            VersionResponse answer = jcri.runtime().version(VersionRequest.getDefaultInstance());
            assertEquals("jcri", answer.getRuntimeName());
            assertTrue(answer.getRuntimeVersion().startsWith(version), answer.getRuntimeVersion());
            assertTrue(answer.getRuntimeVersion().endsWith(commit.equals("unknown") ? version : "+" + commit));
            String ready = jcri.log()
                    .lines()
                    .filter(l -> l.contains("jcri ready"))
                    .findFirst()
                    .orElseThrow();
            assertTrue(ready.startsWith("<6>"), ready);
            assertTrue(jcri.log().lines().filter(l -> l.contains("rpc=Version")).allMatch(l -> l.startsWith("<7>")));
        }
    }

    private static String run(List<String> args, Map<String, String> env) throws Exception {
        List<String> command = new java.util.ArrayList<>(Release.launcher(release));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), command + " did not end");
        assertEquals(0, process.exitValue(), command + ": " + out);
        return out;
    }
}
