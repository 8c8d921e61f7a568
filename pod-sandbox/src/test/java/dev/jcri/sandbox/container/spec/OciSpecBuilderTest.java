package dev.jcri.sandbox.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class OciSpecBuilderTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final Set<String> ALL_CAPS = Set.copyOf(Capabilities.KNOWN);

    @TempDir
    Path rootfs;

    private final SpecDraft draft = new SpecDraft();

    private ObjectNode build() throws IOException {
        return build(0);
    }

    private ObjectNode build(int daemonOomScoreAdj) throws IOException {
        return OciSpecBuilder.build(
                        draft.spec(), draft.image(), draft.sandbox(), ID, rootfs, daemonOomScoreAdj, ALL_CAPS)
                .json();
    }

    private String buildError() {
        return assertThrows(IllegalArgumentException.class, this::build).getMessage();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asString()));
        return out;
    }

    // ---- process.args

    @Test
    void argsFollowKubernetesPrecedence() {
        List<String> entrypoint = List.of("/entry", "e1");
        List<String> cmd = List.of("c1", "c2");
        assertEquals(
                List.of("/cmd", "x", "y"),
                ContainerCommand.of(List.of("/cmd", "x"), List.of("y"), entrypoint, cmd),
                "command and args");
        assertEquals(
                List.of("/cmd", "x"),
                ContainerCommand.of(List.of("/cmd", "x"), List.of(), entrypoint, cmd),
                "command drops image Cmd");
        assertEquals(
                List.of("/entry", "e1", "y"),
                ContainerCommand.of(List.of(), List.of("y"), entrypoint, cmd),
                "args replace image Cmd");
        assertEquals(
                List.of("/entry", "e1", "c1", "c2"),
                ContainerCommand.of(List.of(), List.of(), entrypoint, cmd),
                "the image's own");
        assertEquals(List.of("c1", "c2"), ContainerCommand.of(List.of(), List.of(), List.of(), cmd));
        assertEquals(List.of("y"), ContainerCommand.of(List.of(), List.of("y"), List.of(), cmd));
    }

    @Test
    void noCommandAnywhereIsRefused() {
        assertEquals(
                "no command: neither the container config nor the image gives one",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> ContainerCommand.of(List.of(), List.of(), List.of(), List.of()))
                        .getMessage());
        draft.cmd.clear();
        assertEquals("no command: neither the container config nor the image gives one", buildError());
        assertThrows(
                IllegalArgumentException.class,
                () -> ContainerCommand.of(List.of(""), List.of(), List.of(), List.of()));
    }

    @Test
    void argsReachTheSpec() throws IOException {
        draft.entrypoint.addAll(List.of("/docker-entrypoint.sh"));
        draft.args.add("nginx");
        assertEquals(List.of("/docker-entrypoint.sh", "nginx"), strings(build().at("/process/args")));
    }

    // ---- process.env

    @Test
    void envMergesImageAndContainerKeepingOrder() throws IOException {
        draft.imageEnv = new ArrayList<>(List.of("PATH=/image/bin", "LANG=C", "MALFORMED", "EMPTY="));
        draft.env.add(new ContainerSpec.EnvVar("LANG", "C.UTF-8"));
        draft.env.add(new ContainerSpec.EnvVar("APP", "a=b"));
        draft.env.add(new ContainerSpec.EnvVar("APP", "last"));
        assertEquals(
                List.of("PATH=/image/bin", "HOSTNAME=web-0", "LANG=C.UTF-8", "EMPTY=", "APP=last"),
                strings(build().at("/process/env")));
    }

    @Test
    void envGetsADefaultPathAndTermForATty() throws IOException {
        draft.imageEnv.clear();
        draft.tty = true;
        assertEquals(
                List.of("PATH=" + ContainerEnvironment.DEFAULT_PATH, "HOSTNAME=web-0", "TERM=xterm"),
                strings(build().at("/process/env")));
        draft.env.add(new ContainerSpec.EnvVar("TERM", "vt100"));
        draft.env.add(new ContainerSpec.EnvVar("HOSTNAME", "mine"));
        assertEquals(
                List.of("PATH=" + ContainerEnvironment.DEFAULT_PATH, "HOSTNAME=mine", "TERM=vt100"),
                strings(build().at("/process/env")));
    }

    @Test
    void envKeysMustBeNames() {
        draft.env.add(new ContainerSpec.EnvVar("A=B", "x"));
        assertTrue(buildError().startsWith("envs[0].key: \"A=B\""));
        draft.env.set(0, new ContainerSpec.EnvVar("", "x"));
        assertTrue(buildError().startsWith("envs[0].key"));
    }

    // ---- process.cwd

    @Test
    void cwdIsTheContainersThenTheImagesThenRoot() throws IOException {
        assertEquals("/", build().at("/process/cwd").asString());
        draft.imageWorkingDir = "/srv";
        assertEquals("/srv", build().at("/process/cwd").asString());
        draft.imageWorkingDir = "srv/app";
        assertEquals("/srv/app", build().at("/process/cwd").asString());
        draft.workingDir = "/work";
        assertEquals("/work", build().at("/process/cwd").asString());
        draft.workingDir = "work";
        assertTrue(buildError().startsWith("working_dir:"));
    }

    // ---- process basics, root, hostname, annotations

    @Test
    void processAndRootBasics() throws IOException {
        draft.tty = true;
        draft.noNewPrivs = true;
        draft.readonlyRootfs = true;
        draft.annotations.put("b", "2");
        draft.annotations.put("a", "1");
        ObjectNode json = build();
        assertEquals("1.0.2", json.get("ociVersion").asString());
        assertTrue(json.at("/process/terminal").asBoolean());
        assertTrue(json.at("/process/noNewPrivileges").asBoolean());
        assertEquals(rootfs.toString(), json.at("/root/path").asString());
        assertTrue(json.at("/root/readonly").asBoolean());
        assertEquals("web-0", json.get("hostname").asString());
        assertEquals(
                Map.of("a", "1", "b", "2"),
                Map.of(
                        "a",
                        json.at("/annotations/a").asString(),
                        "b",
                        json.at("/annotations/b").asString()));
        assertTrue(json.at("/process/rlimits").isMissingNode(), "rlimits are inherited from the runtime");
        assertTrue(json.at("/linux/seccomp").isMissingNode());
        assertEquals(0, json.at("/process/user/uid").asLong());
        assertEquals(List.of("0"), strings(json.at("/process/user/additionalGids")));
    }

    @Test
    void theJsonRoundTrips() throws IOException {
        OciSpec spec = OciSpecBuilder.build(draft.spec(), draft.image(), draft.sandbox(), ID, rootfs, 0, ALL_CAPS);
        assertEquals(
                spec.json().toString(),
                JsonMapper.builder().build().readTree(spec.bytes()).toString());
    }

    @Test
    void hostUtsMeansNoHostname() throws IOException {
        draft.hostNamespaces();
        ObjectNode json = build();
        assertFalse(json.has("hostname"));
        assertTrue(strings(json.at("/process/env")).contains("HOSTNAME=web-0"));
    }

    @Test
    void invalidContainerIdsAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> OciSpecBuilder.build(draft.spec(), draft.image(), draft.sandbox(), "../x", rootfs, 0, ALL_CAPS));
        assertThrows(
                IllegalArgumentException.class,
                () -> OciSpecBuilder.build(
                        draft.spec(), draft.image(), draft.sandbox(), ID, Path.of("relative"), 0, ALL_CAPS));
    }

    // ---- oomScoreAdj

    @Test
    void oomScoreAdjNeverGoesBelowTheDaemons() throws IOException {
        draft.resources = resources(-998, 0);
        assertEquals(-500, build(-500).at("/process/oomScoreAdj").asInt());
        assertEquals(-998, build(-999).at("/process/oomScoreAdj").asInt());
        draft.resources = resources(1000, 0);
        assertEquals(1000, build(-500).at("/process/oomScoreAdj").asInt());
        draft.resources = ContainerSpec.Resources.NONE;
        assertEquals(0, build(0).at("/process/oomScoreAdj").asInt());
        assertEquals(300, build(300).at("/process/oomScoreAdj").asInt());
    }

    // ---- capabilities

    @Test
    void defaultCapabilitiesHaveNoInheritableSet() throws IOException {
        ObjectNode json = build();
        List<String> expected = List.of(
                "CAP_CHOWN",
                "CAP_DAC_OVERRIDE",
                "CAP_FSETID",
                "CAP_FOWNER",
                "CAP_SETGID",
                "CAP_SETUID",
                "CAP_SETPCAP",
                "CAP_NET_BIND_SERVICE",
                "CAP_KILL");
        for (String set : List.of("bounding", "effective", "permitted")) {
            assertEquals(expected, strings(json.at("/process/capabilities/" + set)), set);
        }
        assertTrue(json.at("/process/capabilities/inheritable").isMissingNode());
        assertTrue(json.at("/process/capabilities/ambient").isMissingNode());
    }

    @Test
    void capabilitiesAddAndDrop() throws IOException {
        draft.capAdd.addAll(List.of("NET_ADMIN", "cap_sys_time"));
        draft.capDrop.addAll(List.of("CHOWN", "CAP_KILL"));
        List<String> caps = strings(build().at("/process/capabilities/bounding"));
        assertEquals(
                List.of(
                        "CAP_DAC_OVERRIDE",
                        "CAP_FSETID",
                        "CAP_FOWNER",
                        "CAP_SETGID",
                        "CAP_SETUID",
                        "CAP_SETPCAP",
                        "CAP_NET_BIND_SERVICE",
                        "CAP_NET_ADMIN",
                        "CAP_SYS_TIME"),
                caps);
    }

    @Test
    void capabilitiesAll() throws IOException {
        draft.capAdd.add("ALL");
        draft.capDrop.add("CHOWN");
        List<String> caps = strings(build().at("/process/capabilities/effective"));
        assertEquals(Capabilities.KNOWN.size() - 1, caps.size());
        assertFalse(caps.contains("CAP_CHOWN"));

        draft.capAdd.clear();
        draft.capDrop.clear();
        draft.capDrop.add("ALL");
        draft.capAdd.add("NET_BIND_SERVICE");
        assertEquals(List.of("CAP_NET_BIND_SERVICE"), strings(build().at("/process/capabilities/permitted")));

        draft.capAdd.clear();
        assertEquals(List.of(), strings(build().at("/process/capabilities/permitted")));
    }

    @Test
    void ambientCapabilitiesAreAlsoInheritable() throws IOException {
        draft.capAmbient.add("NET_RAW");
        ObjectNode json = build();
        assertEquals(List.of("CAP_NET_RAW"), strings(json.at("/process/capabilities/ambient")));
        assertEquals(List.of("CAP_NET_RAW"), strings(json.at("/process/capabilities/inheritable")));
        assertTrue(strings(json.at("/process/capabilities/permitted")).contains("CAP_NET_RAW"));
    }

    @Test
    void unknownOrUngrantableCapabilitiesAreRefused() throws IOException {
        draft.capAdd.add("NET_WIZARD");
        assertEquals("add_capabilities: unknown capability \"NET_WIZARD\"", buildError());
        draft.capAdd.set(0, "SYS_RESOURCE");
        Set<String> grantable = new HashSet<>(ALL_CAPS);
        grantable.remove("CAP_SYS_RESOURCE");
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> OciSpecBuilder.build(
                                draft.spec(), draft.image(), draft.sandbox(), ID, rootfs, 0, grantable))
                .getMessage()
                .contains("CAP_SYS_RESOURCE cannot be granted"));
        // ALL and privileged mean "all that can be granted".
        draft.capAdd.set(0, "ALL");
        List<String> caps =
                strings(OciSpecBuilder.build(draft.spec(), draft.image(), draft.sandbox(), ID, rootfs, 0, grantable)
                        .json()
                        .at("/process/capabilities/bounding"));
        assertEquals(Capabilities.KNOWN.size() - 1, caps.size());
        assertFalse(caps.contains("CAP_SYS_RESOURCE"));
    }

    @Test
    void capabilitiesFromAMask() {
        assertEquals(
                Set.of("CAP_CHOWN", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"),
                Capabilities.fromMask(1L | (1L << 5) | (1L << 40) | (1L << 45)));
        assertTrue(Capabilities.ofThisProcess().contains("CAP_SYS_ADMIN"), "tests run as root");
    }

    // ---- privileged

    @Test
    void privilegedGetsEverything() throws IOException {
        draft.privileged = true;
        draft.maskedPaths = List.of("/proc/kcore");
        ObjectNode json = build();
        assertEquals(Capabilities.KNOWN, strings(json.at("/process/capabilities/bounding")));
        assertTrue(json.at("/process/capabilities/inheritable").isMissingNode());
        assertTrue(json.at("/linux/maskedPaths").isMissingNode());
        assertTrue(json.at("/linux/readonlyPaths").isMissingNode());
        JsonNode rules = json.at("/linux/resources/devices");
        assertEquals(1, rules.size());
        assertTrue(rules.get(0).get("allow").asBoolean());
        assertEquals("rwm", rules.get(0).get("access").asString());
        List<String> devicePaths = new ArrayList<>();
        json.at("/linux/devices").forEach(d -> devicePaths.add(d.get("path").asString()));
        assertTrue(devicePaths.contains("/dev/null"), devicePaths.toString());
        assertFalse(devicePaths.contains("/dev/console"));
        assertFalse(devicePaths.stream().anyMatch(p -> p.startsWith("/dev/pts/")));
        for (JsonNode mount : json.get("mounts")) {
            String destination = mount.get("destination").asString();
            if (destination.equals("/sys") || destination.equals("/sys/fs/cgroup")) {
                assertTrue(strings(mount.get("options")).contains("rw"), destination);
            }
        }
    }

    // ---- masked and readonly paths

    @Test
    void maskedAndReadonlyPathsDefaultOrAsGiven() throws IOException {
        ObjectNode json = build();
        assertEquals(OciSpecBuilder.DEFAULT_MASKED_PATHS, strings(json.at("/linux/maskedPaths")));
        assertEquals(OciSpecBuilder.DEFAULT_READONLY_PATHS, strings(json.at("/linux/readonlyPaths")));
        assertTrue(strings(json.at("/linux/maskedPaths")).containsAll(List.of("/proc/kcore", "/sys/firmware")));

        draft.maskedPaths = List.of("/proc/keys");
        draft.readonlyPaths = List.of();
        json = build();
        assertEquals(List.of("/proc/keys"), strings(json.at("/linux/maskedPaths")));
        assertEquals(List.of(), strings(json.at("/linux/readonlyPaths")));

        draft.maskedPaths = List.of("proc/keys");
        assertTrue(buildError().startsWith("masked_paths[0]:"));
    }

    // ---- namespaces and cgroups

    @Test
    void podNamespacesAreJoinedByPath() throws IOException {
        JsonNode namespaces = build().at("/linux/namespaces");
        assertEquals(
                List.of(
                        "pid:",
                        "mount:",
                        "network:/run/jcri/ns/net/pod1",
                        "ipc:/run/jcri/ns/ipc/pod1",
                        "uts:/run/jcri/ns/uts/pod1"),
                describe(namespaces));
    }

    @Test
    void hostNamespacesAreLeftOut() throws IOException {
        draft.hostNamespaces();
        draft.pidMode = ContainerSpec.PidMode.NODE;
        assertEquals(List.of("mount:"), describe(build().at("/linux/namespaces")));
    }

    @Test
    void podPidNamespaceNeedsAPath() throws IOException {
        draft.pidMode = ContainerSpec.PidMode.POD;
        assertTrue(buildError().startsWith("namespace_options.pid: POD"));
        draft.pidns = "/run/jcri/ns/pid/pod1";
        assertEquals(
                "pid:/run/jcri/ns/pid/pod1",
                describe(build().at("/linux/namespaces")).getFirst());
    }

    private static List<String> describe(JsonNode namespaces) {
        List<String> out = new ArrayList<>();
        namespaces.forEach(
                n -> out.add(n.get("type").asString() + ":" + n.path("path").asString("")));
        return out;
    }

    @Test
    void cgroupsPathIsTheParentPlusTheId() throws IOException {
        assertEquals("/jcri/" + ID, build().at("/linux/cgroupsPath").asString());
        draft.cgroupParent = "/kubepods/burstable/pod1234/";
        assertEquals(
                "/kubepods/burstable/pod1234/" + ID,
                build().at("/linux/cgroupsPath").asString());
        draft.cgroupParent = "/kubepods/../etc";
        assertTrue(buildError().startsWith("cgroup_parent:"));
        draft.cgroupParent = "";
        assertEquals("the pod has no cgroup parent", buildError());
    }

    // ---- resources

    @Test
    void resourcesMapToTheSpec() throws IOException {
        draft.resources = new ContainerSpec.Resources(
                100000,
                50000,
                512,
                256L << 20,
                0,
                0,
                "0-1",
                "0",
                List.of(new ContainerSpec.HugepageLimit("2MB", 4L << 20)),
                Map.of("memory.high", "200000000"),
                100);
        JsonNode resources = build().at("/linux/resources");
        assertEquals(512, resources.at("/cpu/shares").asLong());
        assertEquals(50000, resources.at("/cpu/quota").asLong());
        assertEquals(100000, resources.at("/cpu/period").asLong());
        assertEquals("0-1", resources.at("/cpu/cpus").asString());
        assertEquals("0", resources.at("/cpu/mems").asString());
        assertEquals(256L << 20, resources.at("/memory/limit").asLong());
        assertEquals(256L << 20, resources.at("/memory/swap").asLong(), "no swap beyond the limit by default");
        assertEquals("2MB", resources.at("/hugepageLimits/0/pageSize").asString());
        assertEquals(4L << 20, resources.at("/hugepageLimits/0/limit").asLong());
        assertEquals(100, resources.at("/pids/limit").asLong());
        assertEquals("200000000", resources.at("/unified/memory.high").asString());
    }

    @Test
    void unsetResourcesAreLeftOut() throws IOException {
        JsonNode resources = build().at("/linux/resources");
        assertTrue(resources.at("/cpu").isMissingNode());
        assertTrue(resources.at("/memory").isMissingNode());
        assertTrue(resources.at("/pids").isMissingNode());
        assertTrue(resources.at("/hugepageLimits").isMissingNode());
        assertTrue(resources.at("/unified").isMissingNode());
        draft.resources = new ContainerSpec.Resources(0, 0, 0, 1L << 30, -1, 0, "", "", List.of(), Map.of(), 0);
        assertEquals(-1, build().at("/linux/resources/memory/swap").asLong());
    }

    @Test
    void resourceValuesThatCouldEscapeAreRefused() {
        draft.resources = new ContainerSpec.Resources(0, 0, 0, 0, 0, 0, "", "", List.of(), Map.of("../x", "1"), 0);
        assertTrue(buildError().startsWith("unified: \"../x\""));
        draft.resources =
                new ContainerSpec.Resources(0, 0, 0, 0, 0, 0, "", "", List.of(), Map.of("memory.high", "1\n2"), 0);
        assertTrue(buildError().contains("control character"));
        draft.resources = new ContainerSpec.Resources(0, 0, 0, 0, 0, 0, "0-1\n", "", List.of(), Map.of(), 0);
        assertTrue(buildError().startsWith("cpuset_cpus:"));
        draft.resources = new ContainerSpec.Resources(
                0, 0, 0, 0, 0, 0, "", "", List.of(new ContainerSpec.HugepageLimit("2M/../x", 1)), Map.of(), 0);
        assertTrue(buildError().startsWith("hugepage_limits[0].page_size:"));
    }

    @Test
    void defaultDeviceRulesDenyAllThenAllowTheStandardOnes() throws IOException {
        JsonNode rules = build().at("/linux/resources/devices");
        assertFalse(rules.get(0).get("allow").asBoolean());
        assertEquals("rwm", rules.get(0).get("access").asString());
        assertFalse(rules.get(0).has("type"));
        List<String> allowed = new ArrayList<>();
        for (int i = 1; i < rules.size(); i++) {
            JsonNode rule = rules.get(i);
            assertTrue(rule.get("allow").asBoolean());
            allowed.add(rule.get("type").asString() + " " + rule.path("major").asString("*") + ":"
                    + rule.path("minor").asString("*") + " "
                    + rule.get("access").asString());
        }
        assertEquals(
                List.of(
                        "c *:* m",
                        "b *:* m",
                        "c 1:3 rwm",
                        "c 1:5 rwm",
                        "c 1:7 rwm",
                        "c 1:8 rwm",
                        "c 1:9 rwm",
                        "c 5:0 rwm",
                        "c 5:2 rwm",
                        "c 136:* rwm"),
                allowed);
        assertTrue(build().at("/linux/devices").isMissingNode());
    }

    // ---- devices

    @Test
    void aCriDeviceIsCreatedAndAllowed() throws IOException {
        draft.devices.add(new DeviceSpec("/dev/mynull", "/dev/null", "rw"));
        ObjectNode json = build();
        JsonNode device = json.at("/linux/devices/0");
        assertEquals("/dev/mynull", device.get("path").asString());
        assertEquals("c", device.get("type").asString());
        assertEquals(1, device.get("major").asInt());
        assertEquals(3, device.get("minor").asInt());
        assertEquals(0666, device.get("fileMode").asInt());
        assertEquals(0, device.get("uid").asLong());
        JsonNode rules = json.at("/linux/resources/devices");
        JsonNode last = rules.get(rules.size() - 1);
        assertEquals(
                "c 1:3 rw",
                last.get("type").asString() + " " + last.get("major").asInt() + ":"
                        + last.get("minor").asInt() + " " + last.get("access").asString());
        assertTrue(last.get("allow").asBoolean());
    }

    @Test
    void badDevicesAreRefused(@TempDir Path dir) throws IOException {
        draft.devices.add(new DeviceSpec("/dev/gone", "/dev/does-not-exist-jcri", "rwm"));
        assertEquals("devices[0].host_path: \"/dev/does-not-exist-jcri\" does not exist on this node", buildError());
        Path file = Files.writeString(dir.resolve("plain"), "x");
        draft.devices.set(0, new DeviceSpec("/dev/plain", file.toString(), "rwm"));
        assertTrue(buildError().endsWith("is not a device node"));
        draft.devices.set(0, new DeviceSpec("/dev/null2", "/dev/null", "rwx"));
        assertTrue(buildError().startsWith("devices[0].permissions:"));
        draft.devices.set(0, new DeviceSpec("dev/null2", "/dev/null", "rw"));
        assertTrue(buildError().startsWith("devices[0].container_path:"));
    }

    @Test
    void aDeviceDirectoryGivesEveryDeviceInIt(@TempDir Path dir) throws IOException {
        Path devices = Files.createDirectory(dir.resolve("devs"));
        Files.createSymbolicLink(devices.resolve("null"), Path.of("/dev/null"));
        Files.writeString(devices.resolve("notes"), "not a device");
        // Links inside a device directory are skipped; a linked host path itself is followed.
        draft.devices.add(new DeviceSpec("/dev/mine", devices.toString(), ""));
        assertTrue(build().at("/linux/devices").isMissingNode());
        draft.devices.set(0, new DeviceSpec("/dev/mine", devices.resolve("null").toString(), ""));
        assertEquals("/dev/mine", build().at("/linux/devices/0/path").asString());
        List<HostDevice> found = HostDevice.lookUp(Path.of("/dev"), "/dev", "f");
        assertTrue(found.stream().anyMatch(d -> d.path().equals("/dev/zero")));
    }

    private static ContainerSpec.Resources resources(long oomScoreAdj, long memory) {
        return new ContainerSpec.Resources(0, 0, 0, memory, 0, oomScoreAdj, "", "", List.of(), Map.of(), 0);
    }

    @Test
    void theRecordsTolerateNulls() {
        ContainerSpec spec = new ContainerSpec(
                null, 0, null, null, null, null, null, null, null, null, null, false, false, false, null, null, null);
        assertEquals("", spec.name());
        assertEquals(ContainerSpec.Resources.NONE, spec.resources());
        assertNull(spec.security().maskedPaths());
        assertEquals(MountSpec.Propagation.PRIVATE, new MountSpec("/a", "/b", false, null, false).propagation());
    }
}
