package dev.jcri.sandbox.container.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs generated specs with the real crun, and once with runc (no conmon): the JSON must be accepted and mean what the builder meant.
 * Needs root, crun, a static busybox, and a hybrid host whose v2 tree holds no controllers (jcri's startup moves
 * hugetlb out of it; crun refuses otherwise).
 */
class OciSpecCrunTest {
    private static final Path CRUN = Path.of("/usr/bin/crun");
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final String CGROUP_TOP = "jcri-spec-test";

    @TempDir
    Path dir;

    private Path state;
    private Path bundle;
    private Path rootfs;
    private final String group = HexFormat.of().formatHex(randomBytes());
    private final List<Started> started = new ArrayList<>();

    private record Started(Path runtime, String id) {}

    @BeforeEach
    void prepare() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(CRUN), "needs crun");
        assumeTrue(Files.isExecutable(BUSYBOX), "needs a static busybox");
        Path v2Controllers = CGROUP_ROOT.resolve("unified/cgroup.controllers");
        assumeTrue(
                !Files.exists(v2Controllers) || Files.readString(v2Controllers).isBlank(),
                "crun refuses a hybrid host with controllers in the v2 tree");
        state = Files.createDirectories(dir.resolve("state"));
        bundle = Files.createDirectories(dir.resolve("bundle"));
        rootfs = Files.createDirectories(bundle.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Started container : started) {
            run(List.of(container.runtime().toString(), "--root", state.toString(), "delete", "-f", container.id()));
        }
        // Only the cgroups this test made: <hierarchy>/jcri-spec-test/<group>/..., deepest first.
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            for (Path hierarchy : hierarchies.toList()) {
                Path top = hierarchy.resolve(CGROUP_TOP);
                Path mine = top.resolve(group);
                if (Files.isDirectory(mine)) {
                    try (Stream<Path> tree = Files.walk(mine)) {
                        for (Path cgroup : tree.filter(Files::isDirectory)
                                .sorted(Comparator.comparingInt(Path::getNameCount)
                                        .reversed())
                                .toList()) {
                            Files.delete(cgroup);
                        }
                    }
                }
                try {
                    Files.deleteIfExists(top);
                } catch (IOException e) {
                    // Another run of this test still uses it.
                }
            }
        }
    }

    @Test
    void aDefaultSpecRuns() throws Exception {
        SpecDraft draft = hostPod();
        draft.command.addAll(List.of("/bin/busybox", "true"));
        assertRuns(draft);
    }

    @Test
    void usersMountsDevicesAndLimitsTakeEffect() throws Exception {
        assertRuns(CRUN, richSpec());
    }

    @Test
    void runcAcceptsTheSameSpec() throws Exception {
        assumeTrue(Files.isExecutable(RUNC), "needs runc");
        assertRuns(RUNC, richSpec());
    }

    private SpecDraft richSpec() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("file"), "hello\n");
        SpecDraft draft = hostPod();
        draft.imageUser = "app";
        draft.supplementalGroups.add(3000L);
        draft.readonlyRootfs = true;
        draft.noNewPrivs = true;
        draft.workingDir = "/data";
        draft.env.add(new ContainerSpec.EnvVar("FOO", "bar"));
        draft.mounts.add(new MountSpec("/data", data.toString(), true, MountSpec.Propagation.PRIVATE, false));
        draft.devices.add(new DeviceSpec("/dev/mynull", "/dev/null", "rw"));
        draft.capAmbient.add("NET_BIND_SERVICE");
        draft.resources =
                new ContainerSpec.Resources(100000, 50000, 512, 64L << 20, 0, 500, "", "", List.of(), Map.of(), 64);
        draft.command.addAll(List.of(
                "/bin/sh",
                "-c",
                script(
                        "[ \"$(id -u):$(id -g)\" = 1000:1000 ]",
                        "id -G | grep -qw 2000",
                        "id -G | grep -qw 3000",
                        "[ \"$FOO\" = bar ]",
                        "[ \"$(pwd)\" = /data ]",
                        "[ \"$(cat /data/file)\" = hello ]",
                        "! touch /data/new 2>/dev/null",
                        "! touch /new 2>/dev/null",
                        "[ -c /dev/mynull ]",
                        "echo x > /dev/mynull",
                        "grep CapAmb /proc/self/status | grep -q 0000000000000400",
                        "[ \"$(cat /proc/self/oom_score_adj)\" = 500 ]",
                        "[ ! -s /proc/kcore ]",
                        "grep -q nameserver /etc/resolv.conf",
                        "grep -q ' /sys sysfs ro' /proc/mounts")));
        return draft;
    }

    @Test
    void aDefaultContainerHasNoInheritableCapabilities() throws Exception {
        SpecDraft draft = hostPod();
        draft.command.addAll(List.of(
                "/bin/sh",
                "-c",
                script(
                        "grep CapInh /proc/self/status | grep -q 0000000000000000",
                        "grep CapBnd /proc/self/status | grep -q 00000000000005fb")));
        assertRuns(draft);
    }

    @Test
    void theRuntimeDefaultSeccompProfileFiltersAndStillRunsAShell() throws Exception {
        SpecDraft draft = hostPod();
        draft.seccomp = SeccompProfile.RUNTIME_DEFAULT;
        // A shell, a pipeline, a subshell and file I/O all work; the filter is on.
        draft.command.addAll(List.of(
                "/bin/sh",
                "-c",
                script(
                        "grep -q 'Seccomp:[[:space:]]*2' /proc/self/status",
                        "echo hello | grep -q hello",
                        "(echo sub; echo two) | sort | grep -q sub",
                        "ls / > /dev/null")));
        assertRuns(draft);
    }

    @Test
    void runcAcceptsTheRuntimeDefaultSeccompProfile() throws Exception {
        assumeTrue(Files.isExecutable(RUNC), "needs runc");
        SpecDraft draft = hostPod();
        draft.seccomp = SeccompProfile.RUNTIME_DEFAULT;
        draft.command.addAll(List.of("/bin/sh", "-c", script("grep -q 'Seccomp:[[:space:]]*2' /proc/self/status")));
        assertRuns(RUNC, draft);
    }

    @Test
    void aPrivilegedSpecRuns() throws Exception {
        SpecDraft draft = hostPod();
        draft.privileged = true;
        String permitted = String.format("%016x", mask(Capabilities.ofThisProcess()));
        draft.command.addAll(List.of(
                "/bin/sh",
                "-c",
                script(
                        "grep CapEff /proc/self/status | grep -q " + permitted,
                        "[ -c /dev/zero ]",
                        "[ -c /dev/kmsg ]",
                        "grep -q ' /sys sysfs rw' /proc/mounts")));
        assertRuns(draft);
    }

    /** A shell script that runs each check in turn and says which one failed. */
    private static String script(String... checks) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < checks.length; i++) {
            out.append("{ ")
                    .append(checks[i])
                    .append("; } || { echo 'check ")
                    .append(i)
                    .append(" failed: ")
                    .append(checks[i].replace("'", ""))
                    .append("'; exit 1; }\n");
        }
        return out.toString();
    }

    private SpecDraft hostPod() throws IOException {
        SpecDraft draft = new SpecDraft().hostNamespaces();
        draft.cmd.clear();
        draft.cgroupParent = "/" + CGROUP_TOP + "/" + group;
        draft.resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.53\n")
                .toString();
        draft.hosts =
                Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n").toString();
        draft.hostnameFile =
                Files.writeString(dir.resolve("hostname"), "web-0\n").toString();
        return draft;
    }

    private void assertRuns(SpecDraft draft) throws Exception {
        assertRuns(CRUN, draft);
    }

    private void assertRuns(Path runtime, SpecDraft draft) throws Exception {
        String id = "spec-" + HexFormat.of().formatHex(randomBytes());
        int daemonOomScoreAdj = Integer.parseInt(
                Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
        OciSpec spec = OciSpecBuilder.build(
                draft.spec(), draft.image(), draft.sandbox(), id, rootfs, daemonOomScoreAdj, SeccompFilters.builtIn());
        Files.write(bundle.resolve("config.json"), spec.bytes());
        started.add(new Started(runtime, id));
        Result result =
                run(List.of(runtime.toString(), "--root", state.toString(), "run", "-b", bundle.toString(), id));
        assertEquals(
                0,
                result.exitCode(),
                runtime.getFileName() + " output:\n" + result.output() + "\nconfig.json:\n"
                        + new String(spec.bytes(), StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String output) {}

    private Result run(List<String> command) throws Exception {
        Path output = Files.createTempFile(dir, "crun", ".out");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            return new Result(-1, "timed out\n" + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output));
    }

    private static long mask(java.util.Set<String> names) {
        long mask = 0;
        for (String name : names) {
            mask |= 1L << Capabilities.KNOWN.indexOf(name);
        }
        return mask;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
