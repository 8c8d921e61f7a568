package dev.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniPluginRunnerTest {
    @TempDir
    Path temp;

    FakePluginDir plugins;
    CniPluginRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        plugins = new FakePluginDir(Files.createDirectories(temp.resolve("bin")));
        runner = new CniPluginRunner(
                new CniPluginPath(List.of(temp.resolve("empty"), plugins.dir())), Duration.ofSeconds(2));
    }

    @Test
    void passesStdinAndCniVariablesAndReturnsStdout() throws Exception {
        plugins.script("echoer", """
                cat > "%s/stdin"
                printf '{"command":"%%s","path":"%%s","ifname":"%%s","stale":"%%s"}' \
                  "$CNI_COMMAND" "$CNI_PATH" "$CNI_IFNAME" "$CNI_STALE"
                """.formatted(temp));
        byte[] out = runner.run("echoer", CniCommand.ADD, Map.of("CNI_IFNAME", "eth0"), "{\"config\":1}".getBytes());
        assertEquals(
                "{\"command\":\"ADD\",\"path\":\"" + temp.resolve("empty") + ":" + plugins.dir()
                        + "\",\"ifname\":\"eth0\",\"stale\":\"\"}",
                new String(out, StandardCharsets.UTF_8));
        assertEquals("{\"config\":1}", Files.readString(temp.resolve("stdin")));
    }

    @Test
    void pluginErrorJsonBecomesCniPluginException() {
        plugins.failing("bridge", "ADD", temp.resolve("log"), 11, "resource busy", "lock held by 42");
        CniPluginException e = assertThrows(
                CniPluginException.class, () -> runner.run("bridge", CniCommand.ADD, Map.of(), new byte[0]));
        assertEquals("CNI plugin bridge ADD failed (code 11): resource busy: lock held by 42", e.getMessage());
        assertEquals("bridge", e.pluginType());
        assertEquals(CniCommand.ADD, e.command());
        assertEquals(11, e.code());
        assertEquals("resource busy", e.msg());
        assertEquals("lock held by 42", e.details());
        assertEquals("some diagnostics", e.stderr());
    }

    @Test
    void errorWithoutDetailsReadsCleanly() {
        plugins.script("p", "printf '{\"code\":7,\"msg\":\"invalid config\"}'; exit 1\n");
        CniPluginException e =
                assertThrows(CniPluginException.class, () -> runner.run("p", CniCommand.DEL, Map.of(), new byte[0]));
        assertEquals("CNI plugin p DEL failed (code 7): invalid config", e.getMessage());
    }

    @Test
    void garbageOrNoOutputOnFailureIsReported() {
        plugins.script("garbage", "echo 'panic: nil pointer' >&2; echo 'not json'; exit 2\n");
        CniPluginException e = assertThrows(
                CniPluginException.class, () -> runner.run("garbage", CniCommand.ADD, Map.of(), new byte[0]));
        assertEquals("CNI plugin garbage ADD failed (exit status 2): panic: nil pointer", e.getMessage());
        assertEquals(CniPluginException.NO_CODE, e.code());

        plugins.script("silent", "exit 1\n");
        e = assertThrows(CniPluginException.class, () -> runner.run("silent", CniCommand.ADD, Map.of(), new byte[0]));
        assertEquals("CNI plugin silent ADD failed (exit status 1) without output", e.getMessage());

        plugins.script("stdoutonly", "echo 'plain failure text'; exit 3\n");
        e = assertThrows(
                CniPluginException.class, () -> runner.run("stdoutonly", CniCommand.ADD, Map.of(), new byte[0]));
        assertEquals("CNI plugin stdoutonly ADD failed (exit status 3): plain failure text", e.getMessage());
    }

    @Test
    void missingPluginNamesTheDirs() {
        CniException e =
                assertThrows(CniException.class, () -> runner.run("flannel", CniCommand.ADD, Map.of(), new byte[0]));
        assertFalse(e instanceof CniPluginException);
        assertEquals(
                "CNI plugin \"flannel\" not found in " + temp.resolve("empty") + ", " + plugins.dir(), e.getMessage());
    }

    @Test
    void nonExecutableFileDoesNotCount() throws Exception {
        Files.writeString(plugins.dir().resolve("noexec"), "#!/bin/sh\n");
        assertThrows(CniException.class, () -> runner.run("noexec", CniCommand.ADD, Map.of(), new byte[0]));
    }

    @Test
    void hangingPluginIsKilledWithItsChildren() throws Exception {
        Path childPid = temp.resolve("child.pid");
        plugins.script("hang", "sleep 300 & echo $! > " + childPid + "\nwait\n");
        long start = System.nanoTime();
        CniPluginException e =
                assertThrows(CniPluginException.class, () -> runner.run("hang", CniCommand.ADD, Map.of(), new byte[0]));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals("CNI plugin hang ADD timed out after 2 s and was killed", e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
        long pid = Long.parseLong(Files.readString(childPid).strip());
        // The kill is asynchronous; give the kernel a moment to reap.
        for (int i = 0;
                i < 50 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                i++) {
            Thread.sleep(100);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "child sleep killed");
    }

    @Test
    void pluginThatIgnoresStdinStillWorks() throws Exception {
        plugins.script("nostdin", "echo '{}'\n");
        byte[] big = new byte[1 << 20];
        Arrays.fill(big, (byte) ' ');
        assertEquals("{}", new String(runner.run("nostdin", CniCommand.ADD, Map.of(), big)).strip());
    }
}
