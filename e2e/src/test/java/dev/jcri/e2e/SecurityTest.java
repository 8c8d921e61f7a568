package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.Capability;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.MountPropagation;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.SELinuxOption;
import dev.jcri.cri.v1.SecurityProfile;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.SupplementalGroupsPolicy;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The security fields of the CRI as the containers see them from inside: seccomp (RuntimeDefault, Localhost,
 * Unconfined, privileged), supplemental group policies, and the requests jcri refuses on this node (AppArmor and
 * SELinux without the LSM) with their error codes; user namespaces are {@link UserNamespaceTest}'s.
 */
class SecurityTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static Path escapeTarget;
    private static String pod;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        // busybox plus a setuid-root /bin/euid (NoNewPrivs) and /escape, a symlink to a path that exists both on
        // the host and in the image (mount targets).
        node = TestNode.start(false, (registry, dir) -> {
            escapeTarget = Files.createDirectories(dir.resolve("escape-target"));
            registry.pusher()
                    .push(
                            "test/busybox",
                            "1",
                            OciImageBuilder.busybox()
                                    .withLayer(layer -> {
                                        layer.file("/bin/euid", OciImageBuilder.exitWithEffectiveUid(), 04755, 0, 0);
                                        for (int i = 1; i <= escapeTarget.getNameCount(); i++) {
                                            layer.dir("/" + escapeTarget.subpath(0, i));
                                        }
                                        layer.symlink("/escape", escapeTarget.toString());
                                    })
                                    .build());
        });
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        // A host-network pod: these tests need no CNI network, only the pod's own UTS and IPC namespaces.
        PodSandboxConfig.Builder config = PodSandboxTest.pod("secure")
                .setLogDirectory(jcri.dir().resolve("logs").toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        pod = jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static ContainerConfig.Builder sleeper(String name, LinuxContainerSecurityContext.Builder security) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of("sleep", "3600"))
                .setLogPath(name + ".log")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(security));
    }

    private static String run(ContainerConfig.Builder config) {
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(config)
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static void remove(String id) {
        jcri.runtime()
                .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }

    private static ExecSyncResponse exec(String id, String command) {
        return jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("sh", "-c", command))
                        .setTimeout(20)
                        .build());
    }

    /** The container's own process's seccomp mode: 0 none, 2 filtered. */
    private static String seccompOf(LinuxContainerSecurityContext.Builder security) {
        String id = run(sleeper("seccomp-" + System.nanoTime(), security));
        try {
            return exec(id, "grep Seccomp: /proc/1/status")
                    .getStdout()
                    .toStringUtf8()
                    .replaceAll("\\s+", " ")
                    .strip();
        } finally {
            remove(id);
        }
    }

    private static SecurityProfile profile(SecurityProfile.ProfileType type, String ref) {
        return SecurityProfile.newBuilder()
                .setProfileType(type)
                .setLocalhostRef(ref)
                .build();
    }

    @Test
    void runtimeDefaultFiltersAndUnconfinedAndPrivilegedDoNot() {
        assertEquals(
                "Seccomp: 2",
                seccompOf(LinuxContainerSecurityContext.newBuilder()
                        .setSeccomp(profile(SecurityProfile.ProfileType.RuntimeDefault, ""))));
        assertEquals(
                "Seccomp: 2",
                seccompOf(LinuxContainerSecurityContext.newBuilder().setSeccompProfilePath("runtime/default")));
        assertEquals(
                "Seccomp: 0",
                seccompOf(LinuxContainerSecurityContext.newBuilder()
                        .setSeccomp(profile(SecurityProfile.ProfileType.Unconfined, ""))));
        assertEquals("Seccomp: 0", seccompOf(LinuxContainerSecurityContext.newBuilder()), "no profile, no filter");
        assertEquals(
                "Seccomp: 0",
                seccompOf(LinuxContainerSecurityContext.newBuilder()
                        .setPrivileged(true)
                        .setSeccomp(profile(SecurityProfile.ProfileType.RuntimeDefault, ""))),
                "privileged ignores it");
    }

    @Test
    void aLocalhostProfileBlocksSethostnameEvenWithSysAdmin() throws Exception {
        Path profile = jcri.dir().resolve("no-sethostname.json");
        Files.writeString(profile, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
                """);
        Capability.Builder sysAdmin = Capability.newBuilder().addAddCapabilities("SYS_ADMIN");
        String free =
                run(sleeper("free", LinuxContainerSecurityContext.newBuilder().setCapabilities(sysAdmin)));
        String blocked = run(sleeper(
                "blocked",
                LinuxContainerSecurityContext.newBuilder()
                        .setCapabilities(sysAdmin)
                        .setSeccomp(profile(SecurityProfile.ProfileType.Localhost, profile.toString()))));
        try {
            assertEquals(0, exec(free, "hostname renamed-by-test").getExitCode(), "SYS_ADMIN alone may rename");
            ExecSyncResponse denied = exec(blocked, "hostname renamed-by-test");
            assertTrue(
                    denied.getExitCode() != 0
                            && denied.getStderr().toStringUtf8().contains("not permitted"),
                    denied.getStderr().toStringUtf8());
            assertTrue(exec(blocked, "grep Seccomp: /proc/1/status")
                    .getStdout()
                    .toStringUtf8()
                    .contains("2"));
        } finally {
            remove(free);
            remove(blocked);
        }
    }

    @Test
    void aMissingOrMalformedLocalhostProfileIsRefusedAndLeavesNothing() throws Exception {
        Path malformed = Files.writeString(jcri.dir().resolve("malformed.json"), "{ not json");
        int before = jcri.runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersCount();
        for (String ref :
                List.of(jcri.dir().resolve("absent.json").toString(), malformed.toString(), "relative.json")) {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> run(sleeper(
                            "bad-profile",
                            LinuxContainerSecurityContext.newBuilder()
                                    .setSeccomp(profile(SecurityProfile.ProfileType.Localhost, ref)))));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    e.getStatus().getCode(),
                    e.getStatus().toString());
            assertTrue(
                    e.getStatus().getDescription().contains("seccomp.localhost_ref"),
                    e.getStatus().getDescription());
        }
        assertEquals(
                before,
                jcri.runtime()
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersCount());
    }

    @Test
    void supplementalGroupsFollowMergeOrStrict() {
        LinuxContainerSecurityContext.Builder merge = LinuxContainerSecurityContext.newBuilder()
                .setRunAsUsername("app")
                .addSupplementalGroups(3000);
        String merged = run(sleeper("merge", merge));
        String strict =
                run(sleeper("strict", merge.clone().setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict)));
        try {
            // An exec runs as the container's own user, with its groups: what kubelet's probes see.
            assertEquals(
                    "1000 100 1000 3000",
                    exec(merged, "id -u; id -G | tr ' ' '\\n' | sort -n")
                            .getStdout()
                            .toStringUtf8()
                            .strip()
                            .replace('\n', ' '),
                    "Merge adds the image's group membership (users)");
            assertEquals(
                    "1000 1000 3000",
                    exec(strict, "id -u; id -G | tr ' ' '\\n' | sort -n")
                            .getStdout()
                            .toStringUtf8()
                            .strip()
                            .replace('\n', ' '),
                    "Strict keeps only what was asked");
        } finally {
            remove(merged);
            remove(strict);
        }
        assertTrue(jcri.runtime()
                .status(StatusRequest.getDefaultInstance())
                .getFeatures()
                .getSupplementalGroupsPolicy());
    }

    @Test
    void apparmorAndSelinuxRequestsThisNodeCannotHonourAreRefused() {
        StatusRuntimeException apparmor = assertThrows(
                StatusRuntimeException.class,
                () -> run(sleeper(
                        "aa",
                        LinuxContainerSecurityContext.newBuilder()
                                .setApparmor(profile(SecurityProfile.ProfileType.Localhost, "my-profile")))));
        assertEquals(Status.Code.FAILED_PRECONDITION, apparmor.getStatus().getCode());
        assertTrue(
                apparmor.getStatus().getDescription().contains("AppArmor"),
                apparmor.getStatus().toString());
        StatusRuntimeException selinux = assertThrows(
                StatusRuntimeException.class,
                () -> run(sleeper(
                        "se",
                        LinuxContainerSecurityContext.newBuilder()
                                .setSelinuxOptions(SELinuxOption.newBuilder().setType("container_t")))));
        assertEquals(Status.Code.FAILED_PRECONDITION, selinux.getStatus().getCode());
        // Without the LSM, RuntimeDefault and Unconfined mean the same and are accepted.
        remove(run(sleeper(
                "aa-default",
                LinuxContainerSecurityContext.newBuilder()
                        .setApparmor(profile(SecurityProfile.ProfileType.RuntimeDefault, "")))));
    }

    /** A field of /proc/1/status (the container's own process) in a fresh container. */
    private static String statusField(String field, LinuxContainerSecurityContext.Builder security) {
        String id = run(sleeper("status-" + System.nanoTime(), security));
        try {
            return exec(id, "grep '^" + field + ":' /proc/1/status | cut -f2")
                    .getStdout()
                    .toStringUtf8()
                    .strip();
        } finally {
            remove(id);
        }
    }

    @Test
    void capabilitiesFollowTheDefaultAddDropAllAndPrivileged() throws Exception {
        assertEquals(
                "00000000000005fb",
                statusField("CapEff", LinuxContainerSecurityContext.newBuilder()),
                "CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE");
        assertEquals(
                "00000000000025fb",
                statusField(
                        "CapEff",
                        LinuxContainerSecurityContext.newBuilder()
                                .setCapabilities(Capability.newBuilder().addAddCapabilities("NET_RAW"))));
        assertEquals(
                "00000000000005fa",
                statusField(
                        "CapEff",
                        LinuxContainerSecurityContext.newBuilder()
                                .setCapabilities(Capability.newBuilder().addDropCapabilities("CAP_CHOWN"))));
        assertEquals(
                "0000000000000001",
                statusField(
                        "CapEff",
                        LinuxContainerSecurityContext.newBuilder()
                                .setCapabilities(Capability.newBuilder()
                                        .addDropCapabilities("ALL")
                                        .addAddCapabilities("CHOWN"))));
        assertEquals(
                "0000000000000000",
                statusField("CapInh", LinuxContainerSecurityContext.newBuilder()),
                "no inheritable set (CVE-2022-27652)");
        String jcriCaps = Files.readAllLines(Path.of("/proc/" + jcri.process().pid() + "/status")).stream()
                .filter(l -> l.startsWith("CapEff:"))
                .findFirst()
                .orElseThrow()
                .split("\\s+")[1];
        assertEquals(
                jcriCaps,
                statusField("CapEff", LinuxContainerSecurityContext.newBuilder().setPrivileged(true)),
                "privileged: all jcri holds");
    }

    @Test
    void noNewPrivsIsSetOnlyWhenAsked() {
        assertEquals(
                "1",
                statusField(
                        "NoNewPrivs", LinuxContainerSecurityContext.newBuilder().setNoNewPrivs(true)));
        assertEquals("0", statusField("NoNewPrivs", LinuxContainerSecurityContext.newBuilder()));
    }

    /** The fixture's /bin/euid is setuid root and exits with its effective UID: 0, or 1000 % 256 = 232. */
    @Test
    void noNewPrivsKeepsASetuidBinaryFromGainingRoot() {
        LinuxContainerSecurityContext.Builder user = LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(dev.jcri.cri.v1.Int64Value.newBuilder().setValue(1000));
        String plain = run(sleeper("setuid-allowed", user.clone()));
        String confined = run(sleeper("setuid-blocked", user.clone().setNoNewPrivs(true)));
        try {
            assertEquals(
                    0,
                    jcri.runtime()
                            .execSync(ExecSyncRequest.newBuilder()
                                    .setContainerId(plain)
                                    .addCmd("/bin/euid")
                                    .setTimeout(20)
                                    .build())
                            .getExitCode(),
                    "setuid root took effect");
            assertEquals(
                    232,
                    jcri.runtime()
                            .execSync(ExecSyncRequest.newBuilder()
                                    .setContainerId(confined)
                                    .addCmd("/bin/euid")
                                    .setTimeout(20)
                                    .build())
                            .getExitCode(),
                    "no_new_privs: still uid 1000");
        } finally {
            remove(plain);
            remove(confined);
        }
    }

    @Test
    void maskedAndReadOnlyPathsHideAndProtectProcAndSys() {
        String plain = run(sleeper("masked", LinuxContainerSecurityContext.newBuilder()));
        String custom = run(sleeper(
                "custom-masked",
                LinuxContainerSecurityContext.newBuilder()
                        .addMaskedPaths("/etc/hostname")
                        .addReadonlyPaths("/tmp")));
        String privileged = run(
                sleeper("unmasked", LinuxContainerSecurityContext.newBuilder().setPrivileged(true)));
        try {
            assertEquals(
                    "0",
                    exec(plain, "head -c 16 /proc/timer_list | wc -c")
                            .getStdout()
                            .toStringUtf8()
                            .strip(),
                    "/proc/timer_list is masked");
            ExecSyncResponse write = exec(plain, "echo 1 > /proc/sys/vm/drop_caches");
            assertTrue(
                    write.getExitCode() != 0 && write.getStderr().toStringUtf8().contains("Read-only"),
                    write.getStderr().toStringUtf8());
            assertEquals(
                    "0",
                    exec(custom, "cat /etc/hostname | wc -c")
                            .getStdout()
                            .toStringUtf8()
                            .strip());
            assertTrue(exec(custom, "touch /tmp/x").getExitCode() != 0, "/tmp made read-only");
            assertEquals(
                    "16",
                    exec(privileged, "head -c 16 /proc/timer_list | wc -c")
                            .getStdout()
                            .toStringUtf8()
                            .strip(),
                    "privileged: nothing masked");
        } finally {
            remove(plain);
            remove(custom);
            remove(privileged);
        }
    }

    @Test
    void pidNamespaceModesShowTheirProcesses() {
        String own = run(sleeper("pid-container", LinuxContainerSecurityContext.newBuilder()));
        String node = run(sleeper(
                "pid-node",
                LinuxContainerSecurityContext.newBuilder()
                        .setNamespaceOptions(
                                dev.jcri.cri.v1.NamespaceOption.newBuilder().setPid(NamespaceMode.NODE))));
        try {
            assertEquals(
                    "sleep 3600",
                    exec(own, "cat /proc/1/cmdline | tr '\\0' ' '")
                            .getStdout()
                            .toStringUtf8()
                            .strip(),
                    "its own PID namespace: its command is PID 1");
            String jcriPid = Long.toString(jcri.process().pid());
            assertTrue(
                    exec(node, "test -d /proc/" + jcriPid + " && echo seen")
                            .getStdout()
                            .toStringUtf8()
                            .contains("seen"),
                    "the node's PID namespace shows jcri itself");
            assertTrue(exec(own, "test -d /proc/" + jcriPid + " || echo hidden")
                            .getStdout()
                            .toStringUtf8()
                            .contains("hidden")
                    || jcriPid.equals("1"));
        } finally {
            remove(own);
            remove(node);
        }
    }

    private static void host(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
    }

    private static ContainerConfig.Builder withMount(
            ContainerConfig.Builder config, Path source, MountPropagation propagation) {
        return config.addMounts(Mount.newBuilder()
                .setHostPath(source.toString())
                .setContainerPath("/prop")
                .setPropagation(propagation));
    }

    /**
     * The image's /escape is an absolute symlink to a path that exists on the host too: a mount below it must land
     * in the image's copy (the link read as if / were the rootfs), never on the host.
     */
    @Test
    void mountDestinationsThroughImageSymlinksStayInsideTheRootfs() throws Exception {
        Path volume = Files.createDirectories(jcri.dir().resolve("escape-volume"));
        Files.writeString(volume.resolve("marker"), "volume\n");
        String id = run(sleeper("escape", LinuxContainerSecurityContext.newBuilder())
                .addMounts(Mount.newBuilder().setHostPath(volume.toString()).setContainerPath("/escape/sub")));
        try {
            assertEquals(
                    "volume",
                    exec(id, "cat /escape/sub/marker")
                            .getStdout()
                            .toStringUtf8()
                            .strip());
            try (var left = Files.list(escapeTarget)) {
                assertEquals(0, left.count(), "nothing was created or mounted at the host's " + escapeTarget);
            }
            assertTrue(!Files.readString(Path.of("/proc/self/mountinfo")).contains(escapeTarget.toString()));
        } finally {
            remove(id);
        }
    }

    @Test
    void hostToContainerPropagationShowsAMountMadeOnTheHostLater() throws Exception {
        Path shared = Files.createDirectories(jcri.dir().resolve("propagated"));
        Path sub = Files.createDirectories(shared.resolve("sub"));
        Path private_ = Files.createDirectories(jcri.dir().resolve("private"));
        host("mount", "--bind", shared.toString(), shared.toString());
        String id = null;
        try {
            host("mount", "--make-shared", shared.toString());
            id = run(withMount(
                    sleeper("slave", LinuxContainerSecurityContext.newBuilder()),
                    shared,
                    MountPropagation.PROPAGATION_HOST_TO_CONTAINER));
            host("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub.toString());
            assertTrue(
                    exec(id, "grep -c ' /prop/sub ' /proc/self/mountinfo")
                            .getStdout()
                            .toStringUtf8()
                            .strip()
                            .equals("1"),
                    "the host's later mount reached the container");

            StatusRuntimeException fromPrivate = assertThrows(
                    StatusRuntimeException.class,
                    () -> run(withMount(
                            sleeper("from-private", LinuxContainerSecurityContext.newBuilder()),
                            private_,
                            MountPropagation.PROPAGATION_HOST_TO_CONTAINER)));
            assertEquals(
                    Status.Code.FAILED_PRECONDITION, fromPrivate.getStatus().getCode());
            assertTrue(
                    fromPrivate.getStatus().getDescription().contains("not shared or slave"),
                    fromPrivate.getStatus().getDescription());
            StatusRuntimeException bidirectional = assertThrows(
                    StatusRuntimeException.class,
                    () -> run(withMount(
                            sleeper("bidirectional", LinuxContainerSecurityContext.newBuilder()),
                            shared,
                            MountPropagation.PROPAGATION_BIDIRECTIONAL)));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    bidirectional.getStatus().getCode(),
                    "bidirectional needs a privileged container");
        } finally {
            if (id != null) {
                remove(id);
            }
            new ProcessBuilder("umount", "-l", sub.toString()).start().waitFor();
            new ProcessBuilder("umount", "-l", shared.toString()).start().waitFor();
        }
    }

    @Test
    void recursiveReadOnlyMountsMakeSubmountsReadOnlyWhereTheRuntimeCan() throws Exception {
        Path source = Files.createDirectories(jcri.dir().resolve("rro"));
        Path sub = Files.createDirectories(source.resolve("sub"));
        host("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub.toString());
        String id = null;
        try {
            Mount.Builder rro = Mount.newBuilder()
                    .setHostPath(source.toString())
                    .setContainerPath("/data")
                    .setReadonly(true)
                    .setRecursiveReadOnly(true);
            id = run(sleeper("rro", LinuxContainerSecurityContext.newBuilder()).addMounts(rro));
            assertTrue(exec(id, "touch /data/sub/x").getExitCode() != 0, "the submount is read-only too");
            assertTrue(jcri.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList().stream()
                    .filter(h -> h.getName().equals("crun"))
                    .allMatch(h -> h.getFeatures().getRecursiveReadOnlyMounts()));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    assertThrows(
                                    StatusRuntimeException.class,
                                    () -> run(sleeper("rro-rw", LinuxContainerSecurityContext.newBuilder())
                                            .addMounts(rro.clone().setReadonly(false))))
                            .getStatus()
                            .getCode());
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    assertThrows(
                                    StatusRuntimeException.class,
                                    () -> run(sleeper("rro-slave", LinuxContainerSecurityContext.newBuilder())
                                            .addMounts(rro.clone()
                                                    .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))))
                            .getStatus()
                            .getCode());
        } finally {
            if (id != null) {
                remove(id);
            }
            new ProcessBuilder("umount", "-l", sub.toString()).start().waitFor();
        }
    }
}
