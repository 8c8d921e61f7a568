package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.DNSConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStateValue;
import dev.jcri.cri.v1.PodSandboxStatus;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PortMapping;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.StreamPodSandboxesRequest;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pod sandboxes with real namespaces and real CNI plugins, on a bridge and subnet of the test's own. */
class PodSandboxTest {
    private static JcriProcess jcri;
    private static TestNetwork network;
    private final List<Process> listeners = new ArrayList<>();

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        Path dir = JcriProcess.newStateDir();
        network = TestNetwork.create(dir);
        jcri = JcriProcess.start(dir, List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (jcri != null && jcri.process().isAlive()) {
                for (PodSandbox pod : jcri.runtime()
                        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                        .getItemsList()) {
                    remove(pod.getId());
                }
            }
        } finally {
            if (jcri != null) {
                jcri.close();
            }
            if (network != null) {
                network.removeBridge();
            }
        }
    }

    @AfterEach
    void stopListeners() throws InterruptedException {
        for (Process listener : listeners) {
            listener.destroyForcibly().waitFor();
        }
        listeners.clear();
    }

    static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("e2e")
                        .setUid(UUID.randomUUID().toString())
                        .setAttempt(0))
                .setHostname(name)
                .setLogDirectory("/tmp/jcri-e2e-logs/" + name)
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(
                                        NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
    }

    static String run(PodSandboxConfig.Builder config) {
        return jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    static PodSandboxStatus status(String id) {
        return jcri.runtime()
                .podSandboxStatus(
                        PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus();
    }

    static void stopPod(String id) {
        jcri.runtime()
                .stopPodSandbox(
                        StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    static void remove(String id) {
        jcri.runtime()
                .removePodSandbox(
                        RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    static Path netns(String id) {
        return jcri.dir().resolve("run/ns/net").resolve(id);
    }

    private static StatusRuntimeException runFails(PodSandboxConfig.Builder config, Status.Code code) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> run(config));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    /** A TCP listener inside a pod's network namespace that answers {@code reply} to each connection. */
    private Process listenInPod(String id, int port, String reply) throws Exception {
        Process listener = new ProcessBuilder(
                        "nsenter",
                        "--net=" + netns(id),
                        "busybox",
                        "nc",
                        "-ll",
                        "-p",
                        Integer.toString(port),
                        "-e",
                        "echo",
                        reply)
                .redirectErrorStream(true)
                .start();
        listeners.add(listener);
        Thread.sleep(300);
        return listener;
    }

    private static String readFrom(String host, int port) throws IOException {
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 2000);
                socket.setSoTimeout(3000);
                try (InputStream in = socket.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                }
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        throw last;
    }

    private static String inPod(String id, String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of(
                "nsenter",
                "--net=" + netns(id),
                "--uts=" + jcri.dir().resolve("run/ns/uts").resolve(id)));
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return output;
    }

    @Test
    void aPodGetsAnIpTheHostReachesAndFilesAsConfigured() throws Exception {
        String id = run(pod("web")
                .setHostname("web-1")
                .setDnsConfig(DNSConfig.newBuilder()
                        .addServers("10.96.0.10")
                        .addSearches("e2e.svc.cluster.local")
                        .addOptions("ndots:5"))
                .putLabels("app", "web")
                .putAnnotations("note", "kept as given"));
        try {
            PodSandboxStatus status = status(id);
            assertEquals(PodSandboxState.SANDBOX_READY, status.getState());
            String ip = status.getNetwork().getIp();
            assertTrue(ip.startsWith(network.subnetPrefix() + "."), ip);
            assertEquals(Map.of("app", "web"), status.getLabelsMap());
            assertEquals(Map.of("note", "kept as given"), status.getAnnotationsMap());
            assertEquals("crun", status.getRuntimeHandler());
            assertEquals(
                    NamespaceMode.POD,
                    status.getLinux().getNamespaces().getOptions().getNetwork());
            assertTrue(status.getCreatedAt() > 1_600_000_000_000_000_000L);

            listenInPod(id, 8080, "hello-from-web");
            assertEquals("hello-from-web", readFrom(ip, 8080));

            Path files = jcri.dir().resolve("root/sandboxes").resolve(id);
            assertEquals(
                    "nameserver 10.96.0.10\nsearch e2e.svc.cluster.local\noptions ndots:5\n",
                    Files.readString(files.resolve("resolv.conf")));
            assertTrue(Files.readString(files.resolve("hosts")).contains(ip + "\tweb-1"));
            assertEquals("web-1\n", Files.readString(files.resolve("hostname")));
            assertEquals("web-1", inPod(id, "hostname"));
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            assertTrue(
                    mounts.contains(
                            jcri.dir().resolve("run/sandboxes").resolve(id).resolve("shm") + " "),
                    "a /dev/shm tmpfs per pod");
        } finally {
            remove(id);
        }
        assertPodGone(id);
    }

    @Test
    void twoPodsReachEachOther() throws Exception {
        String a = run(pod("pod-a"));
        String b = run(pod("pod-b"));
        try {
            listenInPod(b, 9090, "b-answers");
            String ipB = status(b).getNetwork().getIp();
            assertEquals("b-answers", inPod(a, "busybox", "nc", "-w", "3", ipB, "9090"));
        } finally {
            remove(a);
            remove(b);
        }
    }

    @Test
    void aHostPortReachesThePodThroughPortmap() throws Exception {
        int hostPort = 20000 + (int) (ProcessHandle.current().pid() % 20000);
        String id = run(pod("ported")
                .addPortMappings(PortMapping.newBuilder()
                        .setContainerPort(80)
                        .setHostPort(hostPort)
                        .setHostIp("127.0.0.1")));
        try {
            listenInPod(id, 80, "through-the-host-port");
            assertEquals("through-the-host-port", readFrom("127.0.0.1", hostPort));
        } finally {
            remove(id);
        }
        assertFalse(iptablesNat().contains("--dport " + hostPort + " "), "portmap rules removed");
    }

    @Test
    void sysctlsAreAppliedInsideAndUnsafeOnesRefused() throws Exception {
        String id = run(pod("tuned")
                .setLinux(pod("tuned")
                        .getLinuxBuilder()
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "53")
                        .putSysctls("kernel.shm_rmid_forced", "1")));
        try {
            assertEquals("53", inPod(id, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"));
        } finally {
            remove(id);
        }
        List<String> before = podIds();
        StatusRuntimeException notNamespaced = runFails(
                pod("unsafe").setLinux(pod("unsafe").getLinuxBuilder().putSysctls("kernel.core_pattern", "|/tmp/x")),
                Status.Code.INVALID_ARGUMENT);
        assertTrue(
                notNamespaced.getStatus().getDescription().contains("kernel.core_pattern"), notNamespaced.toString());
        StatusRuntimeException injected = runFails(
                pod("inject")
                        .setLinux(pod("inject")
                                .getLinuxBuilder()
                                .putSysctls("kernel.shm_rmid_forced", "1+kernel.core_pattern=|/tmp/x")),
                Status.Code.INVALID_ARGUMENT);
        assertTrue(injected.getStatus().getDescription().contains("kernel.shm_rmid_forced"), injected.toString());
        StatusRuntimeException hostNet = runFails(
                hostNetwork(pod("hostnet-sysctl"))
                        .setLinux(hostNetwork(pod("hostnet-sysctl"))
                                .getLinuxBuilder()
                                .putSysctls("net.ipv4.ip_forward", "1")),
                Status.Code.INVALID_ARGUMENT);
        assertTrue(hostNet.getStatus().getDescription().contains("net.ipv4.ip_forward"), hostNet.toString());
        assertEquals(before, podIds());
    }

    @Test
    void aHostNetworkPodUsesTheHostsNamespace() throws Exception {
        String id = run(hostNetwork(pod("hostnet")));
        try {
            PodSandboxStatus status = status(id);
            assertEquals(PodSandboxState.SANDBOX_READY, status.getState());
            assertEquals(
                    NamespaceMode.NODE,
                    status.getLinux().getNamespaces().getOptions().getNetwork());
            assertEquals("", status.getNetwork().getIp(), "no CNI for host-network pods");
            assertFalse(Files.exists(netns(id)), "no network namespace of its own");
        } finally {
            remove(id);
        }
    }

    @Test
    void invalidRequestsAreRefusedNamingTheField() {
        assertTrue(runFails(
                        pod("x").setMetadata(PodSandboxMetadata.newBuilder()
                                .setNamespace("e2e")
                                .setUid("u")),
                        Status.Code.INVALID_ARGUMENT)
                .getStatus()
                .getDescription()
                .contains("metadata.name"));
        assertTrue(runFails(
                        pod("x").setMetadata(PodSandboxMetadata.newBuilder()
                                .setName("x")
                                .setUid("u")),
                        Status.Code.INVALID_ARGUMENT)
                .getStatus()
                .getDescription()
                .contains("metadata.namespace"));
        assertTrue(runFails(
                        pod("x").setMetadata(PodSandboxMetadata.newBuilder()
                                .setName("x")
                                .setNamespace("e2e")),
                        Status.Code.INVALID_ARGUMENT)
                .getStatus()
                .getDescription()
                .contains("metadata.uid"));
        StatusRuntimeException handler = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .runPodSandbox(RunPodSandboxRequest.newBuilder()
                                .setConfig(pod("h"))
                                .setRuntimeHandler("kata")
                                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, handler.getStatus().getCode());
        assertTrue(handler.getStatus().getDescription().contains("kata"), handler.toString());
        StatusRuntimeException missing = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime().runPodSandbox(RunPodSandboxRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, missing.getStatus().getCode());
    }

    @Test
    void aTakenNameIsRefusedNamingItsHolderAndFreeAfterRemoval() {
        PodSandboxConfig.Builder config = pod("unique");
        String first = run(config);
        try {
            StatusRuntimeException e = runFails(config, Status.Code.ALREADY_EXISTS);
            assertTrue(e.getStatus().getDescription().contains(first), e.toString());
        } finally {
            remove(first);
        }
        String again = run(config);
        remove(again);
    }

    @Test
    void stopAndRemoveAreIdempotentAndUnknownIdsAreFine() throws Exception {
        String id = run(pod("idem"));
        stopPod(id);
        assertEquals(PodSandboxState.SANDBOX_NOTREADY, status(id).getState());
        assertEquals(0, network.allocations(), "stop releases the IP");
        assertFalse(Files.exists(netns(id)), "stop releases the network namespace");
        stopPod(id);
        remove(id);
        remove(id);
        stopPod("0".repeat(64));
        remove("0".repeat(64));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> status("0".repeat(64)));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void listFiltersByIdPrefixStateAndLabels() {
        String a = run(pod("list-a").putLabels("tier", "front"));
        String b = run(pod("list-b").putLabels("tier", "back"));
        try {
            stopPod(b);
            assertEquals(List.of(a), list(PodSandboxFilter.newBuilder().setId(a.substring(0, 12))));
            assertEquals(List.of(a), list(PodSandboxFilter.newBuilder().putLabelSelector("tier", "front")));
            assertEquals(
                    List.of(b),
                    list(PodSandboxFilter.newBuilder()
                            .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_NOTREADY))));
            assertEquals(Set.of(a, b), new HashSet<>(list(PodSandboxFilter.newBuilder())));
            List<String> streamed = new ArrayList<>();
            jcri.runtime()
                    .streamPodSandboxes(StreamPodSandboxesRequest.getDefaultInstance())
                    .forEachRemaining(r -> r.getPodSandboxesList().forEach(p -> streamed.add(p.getId())));
            assertEquals(Set.of(a, b), new HashSet<>(streamed));
            assertEquals(a, status(a.substring(0, 10)).getId(), "a unique prefix is an ID");
        } finally {
            remove(a);
            remove(b);
        }
    }

    @Test
    void updatePodSandboxResourcesAcceptsAKnownPodOnly() {
        String id = run(pod("resized"));
        try {
            jcri.runtime()
                    .updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                            .setPodSandboxId(id)
                            .setResources(LinuxContainerResources.newBuilder().setCpuShares(1024))
                            .build());
        } finally {
            remove(id);
        }
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> jcri.runtime()
                        .updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                                .setPodSandboxId(id)
                                .build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void aSharedPidNamespaceWithoutItsPauseImageFailsAndLeavesNothing() throws Exception {
        List<String> before = podIds();
        List<String> held = NodeLeaks.of(jcri, network).stream().sorted().toList();
        PodSandboxConfig.Builder config = pod("pidpod");
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setPid(NamespaceMode.POD);
        StatusRuntimeException e = runFails(config, Status.Code.UNAVAILABLE);
        assertTrue(e.getStatus().getDescription().contains("pause image 127.0.0.1:9/e2e/pause:none"), e.toString());
        assertEquals(before, podIds());
        assertEquals(0, network.allocations());
        assertEquals(
                held,
                NodeLeaks.of(jcri, network).stream().sorted().toList(),
                "no mount, pin, cgroup, conmon, record or CNI result left");
        for (String kind : List.of("net", "ipc", "uts", "pid")) {
            Path dir = jcri.dir().resolve("run/ns").resolve(kind);
            if (Files.isDirectory(dir)) {
                try (var pins = Files.list(dir)) {
                    assertEquals(before.size(), pins.count(), kind + " pins");
                }
            }
        }
    }

    @Test
    void twentyConcurrentPodsGetDistinctIpsAndLeaveNothingBehind() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<String> ids = new ArrayList<>();
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                runs.add(pool.submit(() -> run(pod("many-" + n))));
            }
            for (Future<String> f : runs) {
                ids.add(f.get(120, TimeUnit.SECONDS));
            }
            Set<String> ips = new HashSet<>();
            for (String id : ids) {
                ips.add(status(id).getNetwork().getIp());
            }
            assertEquals(20, ips.size(), ips.toString());
            assertEquals(20, network.allocations());
        } finally {
            List<Future<?>> removals = new ArrayList<>();
            for (String id : ids) {
                removals.add(pool.submit(() -> remove(id)));
            }
            for (Future<?> f : removals) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
        assertEquals(0, network.allocations());
        for (String id : ids) {
            assertPodGone(id);
        }
        assertEquals("", vethsOn(network.bridge()), "no veth left on the bridge");
    }

    @Test
    void aFailingPluginGivesItsErrorAndLeavesNothing() throws Exception {
        Path dir = JcriProcess.newStateDir();
        Path bin = Files.createDirectories(dir.resolve("cni/bin"));
        Path plugin = bin.resolve("jcri-fail");
        Files.writeString(plugin, """
                #!/bin/sh
                cat >/dev/null
                echo '{"cniVersion":"1.0.0","code":11,"msg":"no addresses left","details":"pool exhausted"}'
                exit 1
                """);
        plugin.toFile().setExecutable(true);
        TestNetwork failing = TestNetwork.create(dir);
        Path conflist = dir.resolve("cni/net.d/10-test.conflist");
        Files.writeString(
                conflist,
                Files.readString(conflist)
                        .replace(
                                "{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}",
                                "{\"type\": \"jcri-fail\"}"));
        try (JcriProcess other = JcriProcess.start(dir, List.of("--cni-bin-dir", bin + ",/usr/lib/cni"))) {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> other.runtime()
                            .runPodSandbox(RunPodSandboxRequest.newBuilder()
                                    .setConfig(pod("doomed"))
                                    .build()));
            assertTrue(e.getStatus().getDescription().contains("no addresses left"), e.toString());
            assertTrue(e.getStatus().getDescription().contains("code 11"), e.toString());
            assertEquals(
                    List.of(),
                    other.runtime()
                            .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                            .getItemsList());
            assertEquals(0, failing.allocations(), "the bridge's IP was released");
            try (var left = Files.list(dir.resolve("run/ns/net"))) {
                assertEquals(List.of(), left.toList());
            }
            try (var left = Files.list(dir.resolve("root/sandboxes"))) {
                assertEquals(List.of(), left.toList());
            }
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(dir.toString()));
        } finally {
            failing.removeBridge();
        }
    }

    @Test
    void aStopAfterARestartOfJcriReleasesThePod() throws Exception {
        String id = run(pod("survivor"));
        jcri.kill();
        jcri = JcriProcess.start(jcri.dir(), List.of());
        assertEquals(PodSandboxState.SANDBOX_READY, status(id).getState());
        stopPod(id);
        assertEquals(0, network.allocations());
        remove(id);
        assertPodGone(id);
    }

    private static PodSandboxConfig.Builder hostNetwork(PodSandboxConfig.Builder config) {
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE);
        return config;
    }

    private static List<String> list(PodSandboxFilter.Builder filter) {
        return jcri
                .runtime()
                .listPodSandbox(
                        ListPodSandboxRequest.newBuilder().setFilter(filter).build())
                .getItemsList()
                .stream()
                .map(PodSandbox::getId)
                .toList();
    }

    private static List<String> podIds() {
        return list(PodSandboxFilter.newBuilder());
    }

    private static void assertPodGone(String id) throws IOException {
        for (String kind : List.of("net", "ipc", "uts")) {
            assertFalse(Files.exists(jcri.dir().resolve("run/ns").resolve(kind).resolve(id)), kind + " pin");
        }
        assertFalse(Files.exists(jcri.dir().resolve("root/sandboxes").resolve(id)));
        assertFalse(Files.exists(jcri.dir().resolve("run/sandboxes").resolve(id)));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(id), "no mount of the pod remains");
    }

    private static String iptablesNat() throws Exception {
        Process p = new ProcessBuilder("iptables", "-t", "nat", "-S")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static String vethsOn(String bridge) throws Exception {
        Process p = new ProcessBuilder("ip", "-o", "link", "show", "master", bridge)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out.contains("does not exist") ? "" : out;
    }
}
