package dev.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniConfigDirectoryTest {
    @TempDir
    Path temp;

    Path confDir;
    Path bin;

    @BeforeEach
    void setUp() throws IOException {
        confDir = Files.createDirectories(temp.resolve("net.d"));
        bin = Files.createDirectories(temp.resolve("bin"));
        new FakePluginDir(bin)
                .empty("bridge")
                .empty("portmap")
                .empty("bandwidth")
                .empty("ptp");
    }

    private static String conflist(String version, String name, String... types) {
        StringBuilder plugins = new StringBuilder();
        for (String type : types) {
            plugins.append(plugins.isEmpty() ? "" : ",")
                    .append("{\"type\":\"")
                    .append(type)
                    .append("\"}");
        }
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"" + name + "\",\"plugins\":[" + plugins + "]}";
    }

    private void write(Path dir, String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content);
    }

    private CniConfigDirectory directory(Path... confDirs) {
        return new CniConfigDirectory(List.of(confDirs), List.of(temp.resolve("nonexistent-bin"), bin));
    }

    private CniNetworkConfig found(CniConfigDirectory directory) {
        CniConfigLookup lookup = directory.find();
        assertTrue(lookup.isReady(), lookup.reason());
        assertEquals("", lookup.reason());
        return lookup.network().orElseThrow();
    }

    @Test
    void takesTheByteWiseFirstFileAcrossExtensions() throws IOException {
        write(confDir, "20-b.conflist", conflist("1.0.0", "b", "bridge"));
        write(confDir, "10-a.json", "{\"cniVersion\":\"1.0.0\",\"name\":\"a\",\"type\":\"ptp\"}");
        write(confDir, "9-c.conf", "{\"cniVersion\":\"1.0.0\",\"name\":\"c\",\"type\":\"ptp\"}");
        write(confDir, "00-ignored.txt", conflist("1.0.0", "txt", "bridge"));
        Files.createDirectories(confDir.resolve("05-dir.conflist"));
        // '1' < '2' < '9': names compare byte-wise, not numerically.
        assertEquals("a", found(directory(confDir)).name());
    }

    @Test
    void upperCaseSortsBeforeLowerCase() throws IOException {
        write(confDir, "a.conflist", conflist("1.0.0", "lower", "bridge"));
        write(confDir, "B.conflist", conflist("1.0.0", "upper", "bridge"));
        assertEquals("upper", found(directory(confDir)).name());
    }

    @Test
    void earlierConfDirWins() throws IOException {
        Path second = Files.createDirectories(temp.resolve("second"));
        write(confDir, "99-late.conflist", conflist("1.0.0", "first-dir", "bridge"));
        write(second, "00-early.conflist", conflist("1.0.0", "second-dir", "bridge"));
        assertEquals("first-dir", found(directory(confDir, second)).name());
        assertEquals(
                "second-dir", found(directory(temp.resolve("missing"), second)).name());
    }

    @Test
    void confIsASinglePluginList() throws IOException {
        write(confDir, "10-single.conf", """
                {"cniVersion":"0.4.0","name":"single","type":"bridge","bridge":"br9",
                 "capabilities":{"portMappings":true,"ignored":false}}""");
        CniNetworkConfig config = found(directory(confDir));
        assertEquals(CniVersion.V0_4_0, config.cniVersion());
        assertEquals(List.of("bridge"), config.pluginTypes());
        assertEquals(Set.of("portMappings"), config.plugins().getFirst().capabilities());
        assertEquals("br9", config.json().path("plugins").get(0).path("bridge").stringValue());
        assertEquals(confDir.resolve("10-single.conf"), config.source());
    }

    @Test
    void conflistFieldsAreRead() throws IOException {
        write(confDir, "10-list.conflist", """
                {"cniVersion":"1.0.0","name":"list","disableCheck":true,
                 "plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}}]}""");
        CniNetworkConfig config = found(directory(confDir));
        assertTrue(config.disableCheck());
        assertEquals(List.of("bridge", "portmap"), config.pluginTypes());
    }

    @Test
    void brokenFilesAreSkippedAndReported() throws IOException {
        write(confDir, "00-garbage.conflist", "{not json");
        write(confDir, "01-noname.conflist", "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"bridge\"}]}");
        write(confDir, "02-noplugins.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[]}");
        write(confDir, "03-notype.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{}]}");
        write(confDir, "04-array.conf", "[1,2]");
        write(confDir, "05-badname.conflist", conflist("1.0.0", "bad name", "bridge"));
        write(confDir, "06-listasconf.conf", conflist("1.0.0", "x", "bridge"));
        write(confDir, "07-path.conflist", conflist("1.0.0", "x", "../bin/bridge"));
        write(confDir, "08-good.conflist", conflist("1.0.0", "good", "bridge"));
        CniConfigLookup lookup = directory(confDir).find();
        assertEquals("good", lookup.network().orElseThrow().name());
        String warnings = String.join("\n", lookup.warnings());
        assertEquals(8, lookup.warnings().size(), warnings);
        assertTrue(warnings.contains("00-garbage.conflist: invalid JSON"), warnings);
        assertTrue(warnings.contains("01-noname.conflist: has no \"name\""), warnings);
        assertTrue(warnings.contains("02-noplugins.conflist: has an empty \"plugins\" list"), warnings);
        assertTrue(warnings.contains("03-notype.conflist: plugins[0] has no \"type\""), warnings);
        assertTrue(warnings.contains("04-array.conf: expected a JSON object"), warnings);
        assertTrue(warnings.contains("05-badname.conflist: has an invalid name"), warnings);
        assertTrue(warnings.contains("06-listasconf.conf: has no \"type\" but a \"plugins\" list"), warnings);
        assertTrue(warnings.contains("07-path.conflist: plugins[0] has an invalid \"type\""), warnings);
    }

    @Test
    void versionChecks() throws IOException {
        write(confDir, "00-old.conflist", conflist("0.2.0", "old", "bridge"));
        write(confDir, "01-future.conflist", conflist("2.0.0", "future", "bridge"));
        write(confDir, "02-noversion.conflist", "{\"name\":\"x\",\"plugins\":[{\"type\":\"bridge\"}]}");
        write(confDir, "03-garbled.conflist", conflist("one", "x", "bridge"));
        write(confDir, "04-legacy.conflist", conflist("0.3.1", "legacy", "bridge"));
        CniConfigLookup lookup = directory(confDir).find();
        CniNetworkConfig config = lookup.network().orElseThrow();
        assertEquals("legacy", config.name());
        assertEquals(CniVersion.V0_3_1, config.cniVersion());
        String warnings = String.join("\n", lookup.warnings());
        assertTrue(warnings.contains("00-old.conflist: has unsupported cniVersion 0.2.0"), warnings);
        assertTrue(warnings.contains("01-future.conflist: has unsupported cniVersion 2.0.0"), warnings);
        assertTrue(warnings.contains("02-noversion.conflist: has no \"cniVersion\""), warnings);
        assertTrue(warnings.contains("03-garbled.conflist: has an invalid cniVersion \"one\""), warnings);
        assertTrue(warnings.contains("04-legacy.conflist: cniVersion 0.3.1 is a legacy version"), warnings);

        for (String version : List.of("0.3.0", "0.4.0", "1.0.0", "1.1.0")) {
            write(confDir, "00-old.conflist", conflist(version, "v", "bridge"));
            assertEquals(version, found(directory(confDir)).cniVersion().toString());
        }
    }

    @Test
    void cniVersionsPicksTheHighestSupported() throws IOException {
        write(confDir, "10.conflist", """
                {"cniVersion":"0.4.0","cniVersions":["1.0.0","1.1.0","2.5.0"],"name":"multi",
                 "plugins":[{"type":"bridge"}]}""");
        CniNetworkConfig config = found(directory(confDir));
        assertEquals(CniVersion.V1_1_0, config.cniVersion());
        assertEquals("1.1.0", config.json().path("cniVersion").stringValue());
    }

    @Test
    void configWithAMissingPluginIsSkipped() throws IOException {
        write(confDir, "10-flannel.conflist", conflist("1.0.0", "flannel", "flannel", "portmap"));
        CniConfigLookup lookup = directory(confDir).find();
        assertFalse(lookup.isReady());
        assertTrue(lookup.reason().startsWith("no usable CNI network config in " + confDir + ": "), lookup.reason());
        assertTrue(
                lookup.reason()
                        .contains("10-flannel.conflist: CNI plugin \"flannel\" not found in "
                                + temp.resolve("nonexistent-bin") + ", " + bin),
                lookup.reason());

        write(confDir, "20-bridge.conflist", conflist("1.0.0", "fallback", "bridge"));
        assertEquals("fallback", found(directory(confDir)).name());
    }

    @Test
    void emptyAndMissingDirsGiveAReasonNamingThem() {
        Path missing = temp.resolve("absent");
        CniConfigLookup lookup = directory(confDir, missing).find();
        assertFalse(lookup.isReady());
        assertEquals(
                "no CNI network config (*.conflist, *.conf, *.json) found in " + confDir + ", " + missing
                        + " (missing)",
                lookup.reason());
    }

    @Test
    void laterChangesArePickedUpWithoutRestart() throws IOException, InterruptedException {
        CniConfigDirectory directory = directory(confDir);
        assertFalse(directory.find().isReady());
        write(confDir, "10-net.conflist", conflist("1.0.0", "first", "bridge"));
        assertEquals("first", found(directory).name());
        // Same size, new content: an atomic replace (new inode) must be noticed.
        Path replacement = confDir.resolve("tmp");
        Files.writeString(replacement, conflist("1.0.0", "secnd", "bridge"));
        Files.move(
                replacement,
                confDir.resolve("10-net.conflist"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        assertEquals("secnd", found(directory).name());
        // A plugin installed later makes a skipped config usable.
        write(confDir, "05-ptpnet.conflist", conflist("1.0.0", "later", "late-plugin"));
        assertEquals("secnd", found(directory).name());
        new FakePluginDir(bin).empty("late-plugin");
        assertEquals("later", found(directory).name());
        Files.delete(confDir.resolve("05-ptpnet.conflist"));
        Files.delete(confDir.resolve("10-net.conflist"));
        assertFalse(directory.find().isReady());
    }

    @Test
    void writeDefaultIfNoneWritesOnlyOnAnEmptyNode() throws IOException {
        Path target = temp.resolve("created/net.d");
        CniConfigDirectory directory = directory(confDir, target);
        DefaultNetwork params = new DefaultNetwork(
                "jcri",
                "cni0",
                List.of("10.88.0.0/16", "fd00:88::/64"),
                List.of("0.0.0.0/0", "::/0"),
                Path.of("/var/lib/jcri/cni/networks"));
        assertTrue(directory.writeDefaultIfNone(target, params));
        Path file = target.resolve(CniConfigDirectory.DEFAULT_FILE_NAME);
        assertTrue(Files.isRegularFile(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var leftovers = Files.list(target)) {
            assertEquals(List.of(file), leftovers.toList(), "no temp files left behind");
        }

        CniNetworkConfig config = found(directory);
        assertEquals("jcri", config.name());
        assertEquals(CniVersion.V1_0_0, config.cniVersion());
        assertEquals(List.of("bridge", "portmap"), config.pluginTypes());
        var bridge = config.json().path("plugins").get(0);
        assertEquals("cni0", bridge.path("bridge").stringValue());
        assertTrue(bridge.path("isGateway").booleanValue());
        assertTrue(bridge.path("ipMasq").booleanValue());
        assertTrue(bridge.path("hairpinMode").booleanValue());
        assertEquals("host-local", bridge.path("ipam").path("type").stringValue());
        assertEquals(
                "fd00:88::/64",
                bridge.path("ipam").path("ranges").get(1).get(0).path("subnet").stringValue());
        assertEquals(
                "::/0", bridge.path("ipam").path("routes").get(1).path("dst").stringValue());
        assertEquals(
                "/var/lib/jcri/cni/networks",
                bridge.path("ipam").path("dataDir").stringValue());
        assertEquals(Set.of("portMappings"), config.plugins().get(1).capabilities());

        assertFalse(directory.writeDefaultIfNone(target, params), "a config exists now");
    }

    @Test
    void writeDefaultIfNoneRespectsABrokenOperatorFile() throws IOException {
        write(confDir, "50-operator.conf", "{broken");
        assertFalse(directory(confDir).writeDefaultIfNone(confDir, DefaultNetwork.standard(temp)));
        assertFalse(Files.exists(confDir.resolve(CniConfigDirectory.DEFAULT_FILE_NAME)));
    }
}
