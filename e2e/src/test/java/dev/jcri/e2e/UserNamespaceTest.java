package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.IDMapping;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.UserNamespace;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pods with their own user namespace (Kubernetes {@code hostUsers: false}), checked from inside the containers and
 * from the host: root in the pod is an unprivileged host user, the image's files still look root's, what the
 * container writes belongs to that host user, and malformed requests are refused leaving nothing.
 */
class UserNamespaceTest {
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> {
                    registry.pusher()
                            .push("test/busybox", "1", OciImageBuilder.busybox().build());
                    registry.pusher()
                            .push(
                                    "test/pause",
                                    "1",
                                    OciImageBuilder.busybox()
                                            .withEntrypoint("/bin/sleep")
                                            .withCmd("2147483647")
                                            .build());
                },
                registry -> List.of("--pause-image", registry.hostPort() + "/test/pause:1"));
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    /** A range of 65536 IDs of this test's own, as kubelet gives each pod (a multiple of 65536, never 0). */
    private static long freshRange() {
        return 65536L * ThreadLocalRandom.current().nextLong(100, 60000);
    }

    private static IDMapping mapping(long containerId, long hostId, long length) {
        return IDMapping.newBuilder()
                .setContainerId((int) containerId)
                .setHostId((int) hostId)
                .setLength((int) length)
                .build();
    }

    private static PodSandboxConfig.Builder pod(String name, UserNamespace.Builder userns) {
        PodSandboxConfig.Builder config = PodSandboxTest.pod(name)
                .setLogDirectory(jcri.dir().resolve("logs").resolve(name).toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setUsernsOptions(userns);
        return config;
    }

    /** runc: Debian 12's crun may not run user-namespaced pods (see the Status test). */
    private static final String HANDLER = "runc";

    private static String runPod(PodSandboxConfig.Builder config) {
        return runPod(config, HANDLER);
    }

    private static String runPod(PodSandboxConfig.Builder config, String handler) {
        return jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(config)
                        .setRuntimeHandler(handler)
                        .build())
                .getPodSandboxId();
    }

    private static String runSleeper(String pod, PodSandboxConfig.Builder podConfig, String name) {
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setSandboxConfig(podConfig)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of("sleep", "3600"))
                                .setLogPath(name + ".log"))
                        .build())
                .getContainerId();
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static String createWithVolumes(
            String pod, PodSandboxConfig.Builder podConfig, String name, dev.jcri.cri.v1.Mount... mounts) {
        return jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setSandboxConfig(podConfig)
                        .setConfig(ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                                .setImage(ImageSpec.newBuilder().setImage(image))
                                .addAllCommand(List.of("sleep", "3600"))
                                .addAllMounts(List.of(mounts))
                                .setLogPath(name + ".log"))
                        .build())
                .getContainerId();
    }

    private static String exec(String id, String command) {
        ExecSyncResponse response = jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("sh", "-c", command))
                        .setTimeout(20)
                        .build());
        assertEquals(
                0, response.getExitCode(), command + ": " + response.getStderr().toStringUtf8());
        return response.getStdout().toStringUtf8().strip();
    }

    private static long containerPid(String id) {
        String info = jcri.runtime()
                .containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(id)
                        .setVerbose(true)
                        .build())
                .getInfoOrThrow("info");
        Matcher pid = Pattern.compile("\"pid\":(\\d+)").matcher(info);
        assertTrue(pid.find(), info);
        return Long.parseLong(pid.group(1));
    }

    /** The file's owner as the host sees it; IDs above 2^31 come back from the JDK as negative ints. */
    private static long owner(Path file, String attribute) throws Exception {
        return Integer.toUnsignedLong(((Number) Files.getAttribute(file, attribute)).intValue());
    }

    private static String hostStatusField(long pid, String field) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith(field + ":"))
                .findFirst()
                .orElseThrow()
                .substring(field.length() + 1)
                .strip()
                .replaceAll("\\s+", " ");
    }

    /**
     * runc may run them; crun 1.8.1 (Debian 12's) would chown the node's /dev/null to the pod's root, so it is
     * reported unable and refused, and the node's /dev/null stays root's.
     */
    @Test
    void statusReportsUserNamespacesPerHandlerAndAnUnsafeRuntimeIsRefused() throws Exception {
        var handlers = jcri.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList();
        assertTrue(
                handlers.stream()
                        .filter(h -> h.getName().equals(HANDLER))
                        .allMatch(h -> h.getFeatures().getUserNamespaces()),
                handlers.toString());
        boolean crunSafe = handlers.stream()
                .filter(h -> h.getName().equals("crun"))
                .allMatch(h -> h.getFeatures().getUserNamespaces());
        if (!crunSafe) {
            IDMapping range = mapping(0, freshRange(), 65536);
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> runPod(
                            pod(
                                    "crun-userns",
                                    UserNamespace.newBuilder()
                                            .setMode(NamespaceMode.POD)
                                            .addUids(range)
                                            .addGids(range)),
                            "crun"));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("/dev/null"), e.toString());
        }
        assertEquals(0, ((Number) Files.getAttribute(Path.of("/dev/null"), "unix:uid")).intValue());
    }

    @Test
    void rootOfThePodIsAnUnprivilegedHostUserAndTheImageStillLooksRoots() throws Exception {
        long uids = freshRange();
        long gids = uids + 65536;
        PodSandboxConfig.Builder config = pod(
                "userns",
                UserNamespace.newBuilder()
                        .setMode(NamespaceMode.POD)
                        .addUids(mapping(0, uids, 65536))
                        .addGids(mapping(0, gids, 65536)));
        String pod = runPod(config);
        try {
            assertEquals(
                    NamespaceMode.POD,
                    jcri.runtime()
                            .podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                                    .setPodSandboxId(pod)
                                    .build())
                            .getStatus()
                            .getLinux()
                            .getNamespaces()
                            .getOptions()
                            .getUsernsOptions()
                            .getMode());
            String id = runSleeper(pod, config, "app");

            assertEquals(
                    "0 " + uids + " 65536", exec(id, "cat /proc/self/uid_map").replaceAll("\\s+", " "));
            assertEquals(
                    "0 " + gids + " 65536", exec(id, "cat /proc/self/gid_map").replaceAll("\\s+", " "));
            assertEquals("0:0", exec(id, "echo $(id -u):$(id -g)"));
            // Idmapped layers: the image's root-owned files are the pod root's, and it can write beside them.
            assertEquals("0:0", exec(id, "stat -c %u:%g /bin/busybox /etc | sort -u"));
            exec(id, "echo hello > /etc/written && mkdir /made && chown 1000:1000 /made");
            assertEquals("0:0 1000:1000", exec(id, "stat -c %u:%g /etc/written /made | tr '\\n' ' '"));

            // From the host: the container's process and its files belong to the mapped, unprivileged IDs.
            long pid = containerPid(id);
            assertEquals(uids + " " + uids + " " + uids + " " + uids, hostStatusField(pid, "Uid"));
            assertEquals(gids + " " + gids + " " + gids + " " + gids, hostStatusField(pid, "Gid"));
            Path upper = jcri.dir().resolve("root/containers").resolve(id).resolve("upper");
            assertEquals(uids, owner(upper.resolve("etc/written"), "unix:uid"));
            assertEquals(gids, owner(upper.resolve("etc/written"), "unix:gid"));
            assertEquals(uids + 1000, owner(upper.resolve("made"), "unix:uid"));
            assertFalse(
                    Files.readString(Path.of("/proc/self/mountinfo"))
                            .contains(jcri.dir().resolve("runroot").toString() + "/containers/" + id + "/layers"),
                    "the idmapped layer mounts are gone once the overlay holds them");
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
        }
        assertFalse(Files.exists(jcri.dir().resolve("runroot/ns/user").resolve(pod)), "the user namespace pin");
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(pod));
    }

    @Test
    void anImageVolumeIsIdmappedLikeTheRootfs() throws Exception {
        long uids = freshRange();
        long gids = uids + 65536;
        PodSandboxConfig.Builder config = pod(
                "userns-imagevol",
                UserNamespace.newBuilder()
                        .setMode(NamespaceMode.POD)
                        .addUids(mapping(0, uids, 65536))
                        .addGids(mapping(0, gids, 65536)));
        String pod = runPod(config);
        try {
            String id = createWithVolumes(
                    pod,
                    config,
                    "imagevol",
                    dev.jcri.cri.v1.Mount.newBuilder()
                            .setContainerPath("/vol")
                            .setImage(ImageSpec.newBuilder().setImage(image))
                            .setReadonly(true)
                            .build());
            jcri.runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
            // Root-owned in the image, the pod root's inside (not nobody's): the layers went through idmapped mounts.
            assertEquals("0:0", exec(id, "stat -c %u:%g /vol/bin/busybox /vol/etc | sort -u"));
            assertTrue(exec(id, "cat /vol/etc/passwd").startsWith("root:"));
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains("/image-volumes/"));
    }

    @Test
    void aSharedPidNamespaceLivesInThePodsUserNamespaceToo() throws Exception {
        long ids = freshRange();
        PodSandboxConfig.Builder config = pod(
                "userns-pid",
                UserNamespace.newBuilder()
                        .setMode(NamespaceMode.POD)
                        .addUids(mapping(0, ids, 65536))
                        .addGids(mapping(0, ids, 65536)));
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setPid(NamespaceMode.POD);
        String pod = runPod(config);
        try {
            String id = runSleeper(pod, config, "app");
            assertEquals(
                    "/bin/sleep 2147483647",
                    exec(id, "cat /proc/1/cmdline | tr '\\0' ' '"),
                    "PID 1 is the infra container's");
            assertEquals(ids + " " + ids + " " + ids + " " + ids, hostStatusField(containerPid(id), "Uid"));
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
        }
    }

    /**
     * kubelet writes volumes as host root and sets the pod's mappings on their CRI mounts: through the idmapped
     * mount the pod's root owns them, and what it writes is root's on the host; without mappings the same files
     * show as nobody's.
     */
    @Test
    void volumesWithThePodsMappingsAreIdmapped() throws Exception {
        long ids = freshRange();
        IDMapping range = mapping(0, ids, 65536);
        PodSandboxConfig.Builder config = pod(
                "userns-vol",
                UserNamespace.newBuilder()
                        .setMode(NamespaceMode.POD)
                        .addUids(range)
                        .addGids(range));
        Path volume = Files.createDirectories(jcri.dir().resolve("volumes/data"));
        Files.writeString(volume.resolve("config"), "from kubelet\n");
        Path file = Files.writeString(jcri.dir().resolve("volumes/termination-log"), "");
        String pod = runPod(config);
        try {
            String id = createWithVolumes(
                    pod,
                    config,
                    "app",
                    dev.jcri.cri.v1.Mount.newBuilder()
                            .setContainerPath("/vol")
                            .setHostPath(volume.toString())
                            .addUidMappings(range)
                            .addGidMappings(range)
                            .build(),
                    dev.jcri.cri.v1.Mount.newBuilder()
                            .setContainerPath("/dev/termination-log")
                            .setHostPath(file.toString())
                            .addUidMappings(range)
                            .addGidMappings(range)
                            .build(),
                    dev.jcri.cri.v1.Mount.newBuilder()
                            .setContainerPath("/plain")
                            .setHostPath(volume.toString())
                            .build());
            assertTrue(
                    Files.readString(Path.of("/proc/self/mountinfo")).contains("/volumes/0"),
                    "staged for the runtime's create, which runs at StartContainer");
            jcri.runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
            assertFalse(
                    Files.readString(Path.of("/proc/self/mountinfo")).contains("/volumes/0"),
                    "staged idmapped mounts are detached once the container exists");
            assertEquals("0:0 0:0", exec(id, "stat -c %u:%g /vol/config /dev/termination-log | tr '\\n' ' '"));
            assertEquals("65534:65534", exec(id, "stat -c %u:%g /plain/config"), "no mapping: nobody's");
            exec(id, "echo done > /vol/written && echo bye > /dev/termination-log");
            assertEquals(
                    0,
                    ((Number) Files.getAttribute(volume.resolve("written"), "unix:uid")).intValue(),
                    "the pod's root writes as host root through the idmapped mount");
            assertEquals("bye\n", Files.readString(file));

            IDMapping other = mapping(0, ids + 65536, 65536);
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> createWithVolumes(
                            pod,
                            config,
                            "other",
                            dev.jcri.cri.v1.Mount.newBuilder()
                                    .setContainerPath("/vol")
                                    .setHostPath(volume.toString())
                                    .addUidMappings(other)
                                    .addGidMappings(other)
                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("mounts[0].uid_mappings"), e.toString());
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
        }
        assertEquals("from kubelet\n", Files.readString(volume.resolve("config")), "the volume survives removal");
    }

    private static Status.Code refused(PodSandboxConfig.Builder config) {
        return assertThrows(StatusRuntimeException.class, () -> runPod(config))
                .getStatus()
                .getCode();
    }

    @Test
    void malformedRequestsAreRefusedAndLeaveNothing() throws Exception {
        IDMapping root = mapping(0, freshRange(), 65536);
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused(pod("bad", UserNamespace.newBuilder().setMode(NamespaceMode.CONTAINER))));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused(pod(
                        "bad",
                        UserNamespace.newBuilder()
                                .setMode(NamespaceMode.TARGET)
                                .addUids(root)
                                .addGids(root))));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused(pod(
                        "bad",
                        UserNamespace.newBuilder()
                                .setMode(NamespaceMode.POD)
                                .addUids(root)
                                .addUids(root)
                                .addGids(root))));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused(pod(
                        "bad",
                        UserNamespace.newBuilder()
                                .setMode(NamespaceMode.POD)
                                .addUids(root.toBuilder().setContainerId(1))
                                .addGids(root))));
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused(pod(
                        "bad",
                        UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(root))),
                "no gid mapping");
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                refused(pod(
                        "bad",
                        UserNamespace.newBuilder()
                                .setMode(NamespaceMode.POD)
                                .addUids(mapping(0, 0xFFFF0000L, 0x20000))
                                .addGids(root))),
                "past the 32-bit ID space");
        PodSandboxConfig.Builder hostNetwork = pod(
                "bad",
                UserNamespace.newBuilder()
                        .setMode(NamespaceMode.POD)
                        .addUids(root)
                        .addGids(root));
        hostNetwork
                .getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> runPod(hostNetwork));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("namespace_options.userns_options"), e.toString());

        Path userPins = jcri.dir().resolve("runroot/ns/user");
        try (var pins = Files.exists(userPins) ? Files.list(userPins) : java.util.stream.Stream.<Path>empty()) {
            assertEquals(0, pins.count(), "no user namespace pin left");
        }
        assertEquals(0, node.network().allocations(), "no IP left");
    }

    @Test
    void nodeModeMeansHostUsers() throws Exception {
        PodSandboxConfig.Builder config =
                pod("host-users", UserNamespace.newBuilder().setMode(NamespaceMode.NODE));
        String pod = runPod(config);
        try {
            String id = runSleeper(pod, config, "app");
            assertEquals("0 0 4294967295", exec(id, "cat /proc/self/uid_map").replaceAll("\\s+", " "));
            assertEquals("0 0 0 0", hostStatusField(containerPid(id), "Uid"));
        } finally {
            jcri.runtime()
                    .removePodSandbox(RemovePodSandboxRequest.newBuilder()
                            .setPodSandboxId(pod)
                            .build());
        }
    }

    @AfterAll
    static void theNodesDevNullIsStillRoots() throws Exception {
        assertEquals(
                0,
                ((Number) Files.getAttribute(Path.of("/dev/null"), "unix:uid")).intValue(),
                "a runtime chowned the node's /dev/null");
    }
}
