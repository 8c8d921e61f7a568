package dev.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Chain semantics with scripted plugins: order, prevResult, the cache, DEL after half-failed ADD. */
class CniNetworkTest {
    private static final String ID = "c0ffee";
    private static final String FIRST_RESULT = """
            {"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],\
            "ips":[{"interface":0,"address":"10.1.0.5/24"}]}""";
    private static final String SECOND_RESULT = """
            {"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],\
            "ips":[{"interface":0,"address":"10.1.0.5/24"},{"interface":0,"address":"fd01::5/64"}]}""";

    @TempDir
    Path temp;

    Path log;
    FakePluginDir plugins;
    CniPluginRunner runner;
    CniResultCache cache;
    CniRuntimeConf rt;

    @BeforeEach
    void setUp() throws Exception {
        log = temp.resolve("calls.log");
        Files.writeString(log, "");
        plugins = new FakePluginDir(Files.createDirectories(temp.resolve("bin")));
        plugins.recording("one", log, FIRST_RESULT)
                .recording("two", log, SECOND_RESULT)
                .recording("three", log, "{}");
        runner = new CniPluginRunner(new CniPluginPath(List.of(plugins.dir())), Duration.ofSeconds(10));
        cache = new CniResultCache(temp.resolve("cache"));
        rt = CniRuntimeConf.forPod(ID, Path.of("/run/netns/x"), "ns", "pod", "uid")
                .withPortMappings(List.of(new CniPortMapping(8080, 80, "tcp", "")));
    }

    private CniNetwork network(String version, String pluginsJson) throws Exception {
        return new CniNetwork(
                CniNetworkConfig.parseConflist(
                        ("{\"cniVersion\":\"" + version + "\",\"name\":\"testnet\",\"plugins\":" + pluginsJson + "}")
                                .getBytes(),
                        null),
                runner,
                cache);
    }

    private List<String> calls() throws Exception {
        return Files.readAllLines(log);
    }

    private JsonNode json(String text) throws Exception {
        return CniJson.parseObject(text.getBytes());
    }

    @Test
    void addRunsTheChainInOrderWithPrevResultAndCaches() throws Exception {
        CniNetwork network = network(
                "1.0.0", "[{\"type\":\"one\",\"x\":1},{\"type\":\"two\",\"capabilities\":{\"portMappings\":true}}]");
        CniResult result = network.add(rt);

        assertEquals(List.of("one ADD", "two ADD"), calls());
        assertEquals(List.of("10.1.0.5", "fd01::5"), result.podIps("eth0"));
        JsonNode firstIn = json(plugins.stdinOf("one", CniCommand.ADD));
        assertEquals("testnet", firstIn.path("name").stringValue());
        assertEquals("1.0.0", firstIn.path("cniVersion").stringValue());
        assertFalse(firstIn.has("prevResult"));
        assertFalse(firstIn.has("runtimeConfig"), "one declares no capability");
        JsonNode secondIn = json(plugins.stdinOf("two", CniCommand.ADD));
        assertEquals(json(FIRST_RESULT), secondIn.get("prevResult"));
        assertEquals(8080, secondIn.at("/runtimeConfig/portMappings/0/hostPort").intValue());
        String env = plugins.envOf("one", CniCommand.ADD);
        assertTrue(env.contains("CNI_CONTAINERID=" + ID + "\n"), env);
        assertTrue(env.contains("CNI_NETNS=/run/netns/x\n"), env);
        assertTrue(env.contains("CNI_IFNAME=eth0\n"), env);
        assertTrue(env.contains("CNI_ARGS=" + rt.cniArgs() + "\n"), env);
        assertTrue(env.contains("CNI_PATH=" + plugins.dir() + "\n"), env);

        CniResultCache.Entry entry = cache.load("testnet", ID, "eth0").orElseThrow();
        assertEquals(json(SECOND_RESULT), entry.result());
        assertTrue(Files.isRegularFile(temp.resolve("cache/results/testnet-" + ID + "-eth0")));
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(temp.resolve("cache/results/testnet-" + ID + "-eth0"))));
    }

    @Test
    void delRunsTheCachedChainInReverseWithTheCachedResult() throws Exception {
        network("1.0.0", "[{\"type\":\"one\"},{\"type\":\"two\",\"capabilities\":{\"portMappings\":true}}]")
                .add(rt);
        Files.writeString(log, "");
        // The operator replaced the config since; DEL must still undo what ADD did, with ADD's port mappings.
        CniNetwork changed = network("1.0.0", "[{\"type\":\"three\"}]");
        CniRuntimeConf withoutPorts = rt.withPortMappings(List.of());
        changed.del(withoutPorts);

        assertEquals(List.of("two DEL", "one DEL"), calls());
        assertEquals(
                json(SECOND_RESULT),
                json(plugins.stdinOf("one", CniCommand.DEL)).get("prevResult"));
        assertEquals(
                json(SECOND_RESULT),
                json(plugins.stdinOf("two", CniCommand.DEL)).get("prevResult"));
        assertEquals(
                8080,
                json(plugins.stdinOf("two", CniCommand.DEL))
                        .at("/runtimeConfig/portMappings/0/hostPort")
                        .intValue());
        assertTrue(cache.load("testnet", ID, "eth0").isEmpty(), "cache entry removed after DEL");
        String env = plugins.envOf("one", CniCommand.DEL);
        assertTrue(env.contains("CNI_NETNS=\n"), "a namespace that is gone is passed as empty: " + env);
        assertTrue(env.contains("CNI_CONTAINERID=" + ID + "\n"), env);

        // A second DEL (nothing cached) uses the current config, without prevResult, and succeeds.
        Files.writeString(log, "");
        changed.del(withoutPorts);
        assertEquals(List.of("three DEL"), calls());
        assertFalse(json(plugins.stdinOf("three", CniCommand.DEL)).has("prevResult"));
    }

    @Test
    void delAfterAHalfFailedAddUsesTheCachedConfigWithoutPrevResult() throws Exception {
        plugins.failing("two", "ADD", log, 11, "no IPs left", "");
        CniNetwork network = network("1.0.0", "[{\"type\":\"one\"},{\"type\":\"two\"}]");
        CniPluginException e = assertThrows(CniPluginException.class, () -> network.add(rt));
        assertEquals(11, e.code());
        CniResultCache.Entry entry = cache.load("testnet", ID, "eth0").orElseThrow();
        assertEquals(null, entry.result());

        Files.writeString(log, "");
        // A fresh object with another config stands in for jcri after a restart.
        network("1.0.0", "[{\"type\":\"three\"}]").del(rt);
        assertEquals(List.of("two DEL", "one DEL"), calls());
        assertFalse(json(plugins.stdinOf("one", CniCommand.DEL)).has("prevResult"));
        assertTrue(cache.load("testnet", ID, "eth0").isEmpty());
    }

    @Test
    void failedDelTriesEveryPluginAndKeepsTheCache() throws Exception {
        CniNetwork network = network("1.0.0", "[{\"type\":\"one\"},{\"type\":\"two\"}]");
        network.add(rt);
        plugins.failing("two", "DEL", log, 5, "cannot remove rules", "");
        Files.writeString(log, "");
        CniPluginException e = assertThrows(CniPluginException.class, () -> network.del(rt));
        assertEquals("two", e.pluginType());
        assertEquals(List.of("two DEL", "one DEL"), calls());
        assertTrue(cache.load("testnet", ID, "eth0").isPresent(), "kept for a retry");
    }

    @Test
    void checkUsesTheCachedResultAndOnlyWhereTheSpecAllows() throws Exception {
        CniNetwork network = network("0.4.0", "[{\"type\":\"one\"},{\"type\":\"two\"}]");
        assertThrows(CniException.class, () -> network.check(rt), "nothing added yet");
        network.add(rt);
        Files.writeString(log, "");
        assertTrue(network.check(rt));
        assertEquals(List.of("one CHECK", "two CHECK"), calls());
        assertEquals(
                json(SECOND_RESULT),
                json(plugins.stdinOf("one", CniCommand.CHECK)).get("prevResult"));

        Files.writeString(log, "");
        assertFalse(network("0.3.1", "[{\"type\":\"one\"}]").check(rt));
        assertFalse(new CniNetwork(
                        CniNetworkConfig.parseConflist(
                                ("{\"cniVersion\":\"1.0.0\",\"name\":\"testnet\","
                                                + "\"disableCheck\":true,\"plugins\":[{\"type\":\"one\"}]}")
                                        .getBytes(),
                                null),
                        runner,
                        cache)
                .check(rt));
        assertEquals(List.of(), calls());
    }

    @Test
    void legacyDelGetsNoPrevResult() throws Exception {
        CniNetwork network = network("0.3.1", "[{\"type\":\"one\"}]");
        network.add(rt);
        network.del(rt);
        assertFalse(json(plugins.stdinOf("one", CniCommand.DEL)).has("prevResult"));
    }

    @Test
    void statusOnlyFor110() throws Exception {
        network("1.0.0", "[{\"type\":\"one\"}]").status();
        assertEquals(List.of(), calls());
        network("1.1.0", "[{\"type\":\"one\"},{\"type\":\"two\"}]").status();
        assertEquals(List.of("one STATUS", "two STATUS"), calls());
        String env = plugins.envOf("one", CniCommand.STATUS);
        assertFalse(env.contains("CNI_CONTAINERID"), env);
        assertEquals(
                "testnet",
                json(plugins.stdinOf("one", CniCommand.STATUS)).path("name").stringValue());

        plugins.failing("two", "STATUS", log, 50, "daemon down", "");
        CniPluginException e = assertThrows(
                CniPluginException.class,
                () -> network("1.1.0", "[{\"type\":\"one\"},{\"type\":\"two\"}]")
                        .status());
        assertEquals(50, e.code());
    }

    @Test
    void addRejectsAPluginThatPrintsNoResult() throws Exception {
        plugins.script("mute", "cat >/dev/null; exit 0\n");
        plugins.script("junk", "cat >/dev/null; echo 'hello'; exit 0\n");
        CniPluginException e = assertThrows(
                CniPluginException.class,
                () -> network("1.0.0", "[{\"type\":\"mute\"}]").add(rt));
        assertEquals("CNI plugin mute ADD returned no result", e.getMessage());
        e = assertThrows(
                CniPluginException.class,
                () -> network("1.0.0", "[{\"type\":\"junk\"}]").add(rt));
        assertTrue(e.getMessage().startsWith("CNI plugin junk ADD returned an unreadable result"), e.getMessage());
    }

    @Test
    void aFailingLoopbackUndoesTheChain() throws Exception {
        plugins.script("loopback", """
                echo "loopback $CNI_COMMAND $CNI_IFNAME" >> "%1$s"
                if [ "$CNI_COMMAND" = VERSION ]; then
                  echo '{"cniVersion":"1.0.0","supportedVersions":["1.0.0"]}'
                else
                  echo '{"code":999,"msg":"lo refused"}'; exit 1
                fi
                """.formatted(log));
        Path confDir = Files.createDirectories(temp.resolve("net.d"));
        Files.writeString(
                confDir.resolve("10.conflist"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"podnet\",\"plugins\":[{\"type\":\"one\"},{\"type\":\"two\"}]}");
        PodNetworking networking =
                new PodNetworking(new CniConfigDirectory(List.of(confDir), List.of(plugins.dir())), runner, cache);

        assertThrows(CniException.class, () -> networking.setUp(rt));
        List<String> calls = calls();
        assertEquals(
                List.of("one ADD", "two ADD", "two DEL", "one DEL"),
                calls.stream().filter(c -> !c.startsWith("loopback")).toList());
        assertEquals(List.of(), cache.entriesFor(ID));
    }

    @Test
    void podNetworkingSetsUpLoopbackAlongsideTheChainAndTearsDownAfterRestart() throws Exception {
        plugins.script("loopback", """
                cat > "%1$s/lo.$CNI_COMMAND.stdin"
                echo "loopback $CNI_COMMAND $CNI_IFNAME" >> "%2$s"
                if [ "$CNI_COMMAND" = VERSION ]; then
                  echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0","9.9.9"]}'
                else
                  echo '{"cniVersion":"1.0.0"}'
                fi
                """.formatted(plugins.dir(), log));
        Path confDir = Files.createDirectories(temp.resolve("net.d"));
        Files.writeString(
                confDir.resolve("10.conflist"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"podnet\",\"plugins\":[{\"type\":\"one\"},{\"type\":\"two\"}]}");
        CniConfigDirectory configs = new CniConfigDirectory(List.of(confDir), List.of(plugins.dir()));
        PodNetworking networking = new PodNetworking(configs, runner, cache);

        assertEquals(new CniNetworkStatus(true, ""), networking.status());
        CniResult result = networking.setUp(rt);
        // lo comes up while the chain runs: each in its own order. VERSION gets no container variables, hence the
        // empty interface name.
        List<String> calls = calls();
        assertEquals(
                List.of("loopback VERSION ", "loopback ADD lo"),
                calls.stream().filter(c -> c.startsWith("loopback")).toList());
        assertEquals(
                List.of("one ADD", "two ADD"),
                calls.stream().filter(c -> !c.startsWith("loopback")).toList());
        assertEquals(
                "1.0.0",
                json(Files.readString(plugins.dir().resolve("lo.ADD.stdin")))
                        .path("cniVersion")
                        .stringValue());
        assertEquals(List.of("10.1.0.5", "fd01::5"), result.podIps("eth0"));
        assertTrue(networking.check(rt));

        // Restart, and the operator swapped the config: teardown follows the cache.
        Files.writeString(
                confDir.resolve("05.conflist"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"othernet\",\"plugins\":[{\"type\":\"three\"}]}");
        Files.writeString(log, "");
        PodNetworking restarted = new PodNetworking(configs, runner, cache);
        restarted.tearDown(rt);
        assertEquals(List.of("two DEL", "one DEL"), calls());
        assertEquals(List.of(), cache.entriesFor(ID));

        Files.writeString(log, "");
        restarted.tearDown(rt);
        assertEquals(List.of("three DEL"), calls(), "nothing cached: the current config's DEL");
    }

    @Test
    void podNetworkingUndoesAFailedAdd() throws Exception {
        plugins.script("loopback", """
                cat >/dev/null
                if [ "$CNI_COMMAND" = VERSION ]; then echo '{"supportedVersions":["0.4.0"]}'; else echo '{}'; fi
                """);
        plugins.failing("two", "ADD", log, 7, "bad subnet", "10.0.0.0/33");
        Path confDir = Files.createDirectories(temp.resolve("net.d"));
        Files.writeString(
                confDir.resolve("10.conflist"),
                "{\"cniVersion\":\"1.0.0\",\"name\":\"podnet\",\"plugins\":[{\"type\":\"one\"},{\"type\":\"two\"}]}");
        PodNetworking networking =
                new PodNetworking(new CniConfigDirectory(List.of(confDir), List.of(plugins.dir())), runner, cache);
        CniPluginException e = assertThrows(CniPluginException.class, () -> networking.setUp(rt));
        assertEquals("CNI plugin two ADD failed (code 7): bad subnet: 10.0.0.0/33", e.getMessage());
        assertEquals(List.of("one ADD", "two ADD", "two DEL", "one DEL"), calls());
        assertEquals(List.of(), cache.entriesFor(ID));
    }

    @Test
    void podNetworkingReportsNotReadyWithTheLookupReason() throws Exception {
        Path confDir = temp.resolve("none");
        PodNetworking networking =
                new PodNetworking(new CniConfigDirectory(List.of(confDir), List.of(plugins.dir())), runner, cache);
        CniNetworkStatus status = networking.status();
        assertFalse(status.ready());
        assertEquals(
                "no CNI network config (*.conflist, *.conf, *.json) found in " + confDir + " (missing)",
                status.message());
        CniException e = assertThrows(CniException.class, () -> networking.setUp(rt));
        assertTrue(e.getMessage().startsWith("pod network is not ready: no CNI network config"), e.getMessage());
        networking.tearDown(rt); // nothing cached, no config: nothing to do, and no error
    }
}
