package dev.jcri.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigLoaderTest {
    @TempDir
    Path dir;

    private NodeConfig load(Map<String, String> flags) throws InvalidConfigException {
        return new NodeConfigLoader(() -> false).load(dir.resolve("jcri.toml"), false, null, flags);
    }

    private NodeConfig loadOnSystemdHost(Map<String, String> flags) throws InvalidConfigException {
        return new NodeConfigLoader(() -> true).load(dir.resolve("jcri.toml"), false, null, flags);
    }

    private void write(String name, String toml) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, toml);
    }

    @Test
    void noFileMeansBuiltInDefaults() throws Exception {
        NodeConfig config = load(Map.of());
        assertEquals(Path.of("/var/lib/jcri"), config.root());
        assertEquals(Path.of("/run/jcri"), config.runroot());
        assertEquals(Path.of("/run/jcri/jcri.sock"), config.listen());
        assertEquals("info", config.logLevel());
        assertEquals("crun", config.defaultRuntime());
        assertEquals(List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni")), config.cniBinDirs());
        assertEquals(Path.of("/usr/bin/crun"), config.runtimes().get("crun").path());
        assertEquals(
                Path.of("/run/jcri/runtimes/runc"),
                config.runtimes().get("runc").root());
        assertEquals(List.of(), config.sources());
    }

    @Test
    void requiredMainFileMustExist() {
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> new NodeConfigLoader().load(dir.resolve("missing.toml"), true, null, Map.of()));
        assertTrue(e.getMessage().contains("missing.toml: config file not found"), e.getMessage());
    }

    @Test
    void runrootMovesTheDerivedDefaults() throws Exception {
        NodeConfig config = load(Map.of("--runroot", "/tmp/other"));
        assertEquals(Path.of("/tmp/other/jcri.sock"), config.listen());
        assertEquals(
                Path.of("/tmp/other/runtimes/crun"),
                config.runtimes().get("crun").root());
    }

    @Test
    void listenTakesAPathOrAUnixEndpointAndNothingElse() throws Exception {
        write("jcri.toml", "listen = \"unix:///run/x/cri.sock\"\n");
        assertEquals(Path.of("/run/x/cri.sock"), load(Map.of()).listen());
        assertEquals(
                Path.of("/run/y.sock"),
                load(Map.of("--listen", "unix:///run/y.sock")).listen());
        assertEquals(
                Path.of("/run/z.sock"), load(Map.of("--listen", "/run/z.sock")).listen());
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("tcp://127.0.0.1:10010", "jcri serves the CRI only on a unix socket");
        refused.put("npipe:////./pipe/x", "jcri serves the CRI only on a unix socket");
        refused.put("unix://run/x.sock", "expected unix:// followed by an absolute path");
        refused.put("run/x.sock", "expected an absolute path");
        for (Map.Entry<String, String> c : refused.entrySet()) {
            String message = assertThrows(
                            InvalidConfigException.class, () -> load(Map.of("--listen", c.getKey())), c.getKey())
                    .getMessage();
            assertTrue(message.contains("listen") && message.contains(c.getValue()), message);
        }
    }

    @Test
    void dropInsApplyInNameOrderAndFlagsWin() throws Exception {
        write("jcri.toml", "log_level = \"warn\"\nroot = \"/srv/a\"\n[cni]\nconf_dirs = [\"/etc/a\"]\n");
        write("jcri.d/20-b.toml", "root = \"/srv/b\"\n");
        write("jcri.d/10-a.toml", "root = \"/srv/ignored\"\n[cni]\nbin_dirs = [\"/x\"]\n");
        write("jcri.d/notes.txt", "not toml at all [");
        NodeConfig config = load(Map.of("--log-level", "debug"));
        assertEquals(Path.of("/srv/b"), config.root());
        assertEquals("debug", config.logLevel());
        assertEquals(List.of(Path.of("/etc/a")), config.cniConfDirs());
        assertEquals(List.of(Path.of("/x")), config.cniBinDirs());
        assertEquals(Path.of("/srv/b/cni"), config.cniCacheDir());
        assertEquals(
                List.of(dir.resolve("jcri.toml"), dir.resolve("jcri.d/10-a.toml"), dir.resolve("jcri.d/20-b.toml")),
                config.sources());
    }

    @Test
    void runtimeHandlersAreAddedAndOverridden() throws Exception {
        write("jcri.toml", """
                default_runtime = "kata"
                [runtimes.kata]
                path = "/opt/kata/bin/kata-runtime"
                [runtimes.runc]
                root = "/run/runc-custom"
                """);
        NodeConfig config = load(Map.of());
        assertEquals(
                List.of("crun", "runc", "kata"), List.copyOf(config.runtimes().keySet()));
        assertEquals(
                Path.of("/opt/kata/bin/kata-runtime"),
                config.runtimes().get("kata").path());
        assertEquals(Path.of("/run/runc-custom"), config.runtimes().get("runc").root());
        assertEquals(Path.of("/usr/bin/runc"), config.runtimes().get("runc").path());
    }

    @Test
    void unknownKeyNamesFileKeyAndKnownKeys() throws Exception {
        write("jcri.d/50-x.toml", "[streaming]\nprot = 5\n");
        String message =
                assertThrows(InvalidConfigException.class, () -> load(Map.of())).getMessage();
        assertTrue(message.startsWith(dir.resolve("jcri.d/50-x.toml") + ": unknown key 'streaming.prot'"), message);
        assertTrue(message.contains("known keys in [streaming]: address, port"), message);
    }

    @Test
    void unknownTopLevelTableIsAnUnknownKey() throws Exception {
        write("jcri.toml", "[crio.runtime]\nconmon = \"/usr/bin/conmon\"\n");
        String message =
                assertThrows(InvalidConfigException.class, () -> load(Map.of())).getMessage();
        assertTrue(message.contains("unknown key 'crio'"), message);
    }

    @Test
    void wrongTypesNameTheExpectation() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("root = 5\n", "key 'root': expected an absolute path, got the integer 5");
        cases.put("root = \"relative/dir\"\n", "key 'root': expected an absolute path, got \"relative/dir\"");
        cases.put(
                "[cni]\nconf_dirs = \"/etc/cni/net.d\"\n",
                "key 'cni.conf_dirs': expected an array of absolute paths, got the string \"/etc/cni/net.d\"");
        cases.put("[metrics]\nenabled = \"yes\"\n", "key 'metrics.enabled': expected true or false");
        cases.put(
                "[image]\npinned_images = \"reg/x\"\n",
                "key 'image.pinned_images': expected an array of strings, got the string \"reg/x\"");
        cases.put("[streaming]\nport = 70000\n", "key 'streaming.port': expected an integer port between 0 and 65535");
        cases.put("[runtimes.crun]\npath = 1\n", "key 'runtimes.crun.path': expected an absolute path");
        cases.put("[runtimes.crun]\nbinary = \"/x\"\n", "unknown key 'runtimes.crun.binary'");
        cases.put("[runtimes.Bad_Name]\npath = \"/x\"\n", "runtime handler name 'Bad_Name' must be a DNS label");
        cases.put("[runtimes.kata]\nroot = \"/run/kata\"\n", "key 'runtimes.kata.path': required");
        cases.put("root = \n", "not valid TOML");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            write("jcri.toml", c.getKey());
            String message = assertThrows(InvalidConfigException.class, () -> load(Map.of()), c.getKey())
                    .getMessage();
            assertTrue(message.startsWith(dir.resolve("jcri.toml").toString()), message);
            assertTrue(message.contains(c.getValue()), "for " + c.getKey() + " got: " + message);
        }
    }

    @Test
    void invalidValuesAreRefused() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("log_level = \"verbose\"\n", "key 'log_level': expected one of error, warn, info, debug, trace");
        cases.put("cgroup_manager = \"systemd\"\n", "key 'cgroup_manager': systemd does not run on this host");
        cases.put("cgroup_manager = \"lxc\"\n", "expected cgroupfs or systemd");
        cases.put("cgroup_parent = \"/a/../b\"\n", "key 'cgroup_parent'");
        cases.put("cgroup_parent = \"jcri\"\n", "key 'cgroup_parent'");
        cases.put("default_runtime = \"kata\"\n", "expected the name of a configured runtime (crun, runc)");
        cases.put("[metrics]\naddress = \"9090\"\n", "key 'metrics.address': expected host:port");
        cases.put("[image]\nmax_parallel_layers = 0\n", "key 'image.max_parallel_layers': expected a positive integer");
        cases.put("[image]\npinned_images = [\"reg/a*b\"]\n", "key 'image.pinned_images': expected image names");
        cases.put("[image]\npinned_images = [\"*\"]\n", "key 'image.pinned_images'");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            write("jcri.toml", c.getKey());
            String message = assertThrows(InvalidConfigException.class, () -> load(Map.of()), c.getKey())
                    .getMessage();
            assertTrue(message.contains(c.getValue()), "for " + c.getKey() + " got: " + message);
        }
    }

    @Test
    void systemdDriverTakesSlicesAndDefaultsToJcriSlice() throws Exception {
        write("jcri.toml", "cgroup_manager = \"systemd\"\n");
        NodeConfig config = loadOnSystemdHost(Map.of());
        assertEquals("systemd", config.cgroupManager());
        assertEquals("jcri.slice", config.cgroupParent());
        write("jcri.toml", "cgroup_manager = \"systemd\"\ncgroup_parent = \"/jcri\"\n");
        String message = assertThrows(InvalidConfigException.class, () -> loadOnSystemdHost(Map.of()))
                .getMessage();
        assertTrue(message.contains("key 'cgroup_parent': expected a systemd slice name"), message);
        write("jcri.toml", "cgroup_parent = \"jcri.slice\"\n");
        message = assertThrows(InvalidConfigException.class, () -> load(Map.of("--cgroup-manager", "cgroupfs")))
                .getMessage();
        assertTrue(message.contains("key 'cgroup_parent': expected an absolute cgroup path"), message);
    }

    @Test
    void cgroupManagerFlagWinsAndCgroupfsDefaultsToJcriPath() throws Exception {
        write("jcri.toml", "cgroup_manager = \"systemd\"\n");
        NodeConfig config = loadOnSystemdHost(Map.of("--cgroup-manager", "cgroupfs"));
        assertEquals("cgroupfs", config.cgroupManager());
        assertEquals("/jcri", config.cgroupParent());
        String message = assertThrows(InvalidConfigException.class, () -> load(Map.of("--cgroup-manager", "systemd")))
                .getMessage();
        assertTrue(message.startsWith("flag --cgroup-manager: key 'cgroup_manager': systemd does not run"), message);
    }

    @Test
    void badFlagNamesTheFlag() {
        String message = assertThrows(InvalidConfigException.class, () -> load(Map.of("--streaming-port", "http")))
                .getMessage();
        assertEquals("flag --streaming-port: expected an integer port between 0 and 65535, got \"http\"", message);
        String level = assertThrows(InvalidConfigException.class, () -> load(Map.of("--log-level", "loud")))
                .getMessage();
        assertTrue(level.startsWith("flag --log-level: key 'log_level'"), level);
    }

    @Test
    void printedTomlReadsBackToTheSameConfig() throws Exception {
        write("jcri.toml", """
                root = "/srv/jcri"
                [runtimes.kata]
                path = "/opt/kata/bin/kata-runtime"
                [cni]
                bin_dirs = ["/opt/cni/bin", "/usr/lib/cni", "/opt/with \\"quote\\""]
                """);
        NodeConfig config = load(Map.of());
        Path saved = dir.resolve("printed/jcri.toml");
        Files.createDirectories(saved.getParent());
        Files.writeString(saved, EffectiveConfigWriter.toml(config));
        NodeConfig reread = new NodeConfigLoader().load(saved, true, null, Map.of());
        assertEquals(config.values(), reread.values());
        assertEquals(config.runtimes(), reread.runtimes());
    }
}
