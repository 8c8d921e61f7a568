package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.marcnuri.helm.Helm;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.KeyValue;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart's installer image ({@code make installer-image}), pushed to the test registry, run as a pod on jcri the
 * way the chart's DaemonSet runs it: host network and PID namespace, privileged, a directory standing in for the
 * node's root at {@code /host}, the chart's rendered ConfigMap at {@code /etc/jcri-installer} and the DaemonSet's
 * rendered arguments, except {@code --host-systemd=none} (no systemd here: the installer logs the systemctl steps
 * it skips; the guest's InstallerHostTest runs them for real) and no {@code --sleep}, so that the container exits.
 */
class InstallerPodTest {
    private static final Path CHART = Path.of(System.getProperty("jcri.repo", ".."))
            .resolve("charts/jcri")
            .toAbsolutePath();
    private static final String KUBELET_CONFIG =
            "kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n";
    private static final String KUBELET_FLAGS =
            "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n";

    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String pod;
    private static List<String> chartArgs;
    private static String dropIn;
    private static Path nodeRoot;
    private static Path configDir;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        renderChart();
        Path oci = InstallerImage.archive();
        node = TestNode.start(
                false, (registry, dir) -> InstallerImage.push(oci, registry.pusher(), "jcri/installer", "e2e"));
        jcri = node.jcri();
        image = node.pull("jcri/installer:e2e");

        nodeRoot = Files.createDirectories(jcri.dir().resolve("node-root"));
        Path kubelet = Files.createDirectories(nodeRoot.resolve("var/lib/kubelet"));
        Files.writeString(kubelet.resolve("config.yaml"), KUBELET_CONFIG);
        Files.writeString(kubelet.resolve("kubeadm-flags.env"), KUBELET_FLAGS);
        configDir = Files.createDirectories(jcri.dir().resolve("installer-config"));
        Files.writeString(configDir.resolve("50-chart.toml"), dropIn);

        PodSandboxConfig.Builder config = PodSandboxTest.pod("jcri-installer")
                .setLogDirectory(jcri.dir().resolve("logs").toString());
        config.getLinuxBuilder()
                .getSecurityContextBuilder()
                .setPrivileged(true)
                .getNamespaceOptionsBuilder()
                .setNetwork(NamespaceMode.NODE)
                .setPid(NamespaceMode.NODE);
        pod = jcri.runtime()
                .runPodSandbox(
                        RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
    }

    /** The DaemonSet's arguments and the ConfigMap's drop-in, as the chart renders them for these values. */
    private static void renderChart() {
        String manifests = new Helm(CHART)
                .template()
                .withName("jcri")
                .withNamespace("kube-system")
                .withKubeVersion("v1.33.0")
                .set("config.logLevel", "debug")
                .set("config.cgroupManager", "cgroupfs")
                .set("kubelet.switch", true)
                .call();
        YAMLMapper yaml = YAMLMapper.builder().build();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            JsonNode object = yaml.readTree(document);
            switch (object.path("kind").asString()) {
                case "ConfigMap" ->
                    dropIn = object.path("data").path("50-chart.toml").asString();
                case "DaemonSet" -> {
                    List<String> args = new ArrayList<>();
                    object.at("/spec/template/spec/containers/0/args").forEach(arg -> args.add(arg.asString()));
                    chartArgs = args;
                }
                default -> {}
            }
        }
        assertTrue(chartArgs != null && dropIn != null, manifests);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    /** jcri's own configuration loader takes the drop-in the chart renders (it refuses unknown keys and values). */
    @Test
    void jcriAcceptsTheChartsDropIn() throws Exception {
        Path main = jcri.dir().resolve("chart-config.toml");
        Files.writeString(main, "");
        List<String> command = new ArrayList<>(JcriProcess.jarLauncher());
        command.addAll(List.of("config", "--config", main.toString(), "--config-dir", configDir.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String effective = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), effective);
        assertTrue(effective.contains("log_level = \"debug\""), effective);
        assertTrue(effective.contains("0.0.0.0:9090"), effective);
    }

    @Test
    void installsTheReleaseFromItsPodAndUninstallRemovesIt() throws Exception {
        List<String> args = new ArrayList<>();
        for (String arg : chartArgs) {
            if (arg.equals("--host-systemd=nsenter")) {
                args.add("--host-systemd=none");
            } else if (!arg.equals("--sleep")) {
                args.add(arg);
            }
        }
        assertEquals("install", args.getFirst());

        String installLog = runToExit("install", args);
        assertTrue(installLog.contains("installed jcri "), installLog);
        assertTrue(installLog.contains("skipped (--host-systemd=none): systemctl restart jcri.service"), installLog);

        Path release = nodeRoot.resolve("usr/lib/jcri");
        assertTrue(Files.isExecutable(release.resolve("bin/jcri")), "the release unpacked under /usr/lib/jcri");
        assertTrue(Files.isDirectory(release.resolve("runtime")));
        String version = Files.readAllLines(release.resolve("VERSION")).getFirst();
        assertTrue(installLog.contains("installed jcri " + version), installLog);
        // No API server here: the node label step says it skipped. On a cluster it runs the release's own
        // `jcri node-report`, whose HTTP client needs java.net.http in the jlinked runtime.
        assertTrue(
                installLog.contains("node label: skipped (no Kubernetes API server: KUBERNETES_SERVICE_HOST is unset)"),
                installLog);
        String modules = output(release.resolve("runtime/bin/java").toString(), "--list-modules");
        assertTrue(modules.contains("java.net.http"), modules);
        String help = output(release.resolve("bin/jcri").toString(), "node-report", "--help");
        assertTrue(help.contains("--installed=VERSION"), help);
        assertEquals(Path.of("../lib/jcri/bin/jcri"), Files.readSymbolicLink(nodeRoot.resolve("usr/bin/jcri")));
        assertEquals(
                Files.readString(Path.of(System.getProperty("jcri.repo", ".."), "packaging/systemd/jcri.service")),
                Files.readString(nodeRoot.resolve("etc/systemd/system/jcri.service")));
        assertEquals(
                Files.readString(release.resolve("etc/jcri.toml")),
                Files.readString(nodeRoot.resolve("etc/jcri/jcri.toml")));
        String written = Files.readString(nodeRoot.resolve("etc/jcri/jcri.d/50-chart.toml"));
        assertEquals(dropIn, written);
        assertTrue(written.contains("log_level = \"debug\"") && written.contains("cgroup_manager = \"cgroupfs\""));
        assertTrue(
                Files.readString(nodeRoot.resolve("var/lib/kubelet/config.yaml"))
                        .contains("containerRuntimeEndpoint: unix:///run/jcri/jcri.sock"),
                "kubelet.switch=true points kubelet's config at jcri");
        assertTrue(Files.readString(nodeRoot.resolve("var/lib/kubelet/kubeadm-flags.env"))
                .contains("--container-runtime-endpoint=unix:///run/jcri/jcri.sock"));

        List<String> uninstall = new ArrayList<>(args);
        uninstall.set(0, "uninstall");
        String uninstallLog = runToExit("uninstall", uninstall);
        assertTrue(uninstallLog.contains("uninstalled"), uninstallLog);
        assertTrue(uninstallLog.contains("node label: skipped"), uninstallLog);
        assertFalse(Files.exists(release));
        assertFalse(Files.exists(nodeRoot.resolve("usr/bin/jcri"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(nodeRoot.resolve("etc/systemd/system/jcri.service")));
        assertFalse(Files.exists(nodeRoot.resolve("etc/jcri")), "drop-in and unchanged defaults removed");
        assertEquals(KUBELET_CONFIG, Files.readString(nodeRoot.resolve("var/lib/kubelet/config.yaml")));
        assertEquals(KUBELET_FLAGS, Files.readString(nodeRoot.resolve("var/lib/kubelet/kubeadm-flags.env")));
        try (Stream<Path> left = Files.walk(nodeRoot)) {
            assertEquals(
                    List.of("var/lib/kubelet/config.yaml", "var/lib/kubelet/kubeadm-flags.env"),
                    left.filter(Files::isRegularFile)
                            .map(p -> nodeRoot.relativize(p).toString())
                            .sorted()
                            .toList(),
                    "only the kubelet's own files are left");
        }
    }

    /** Runs the installer image with {@code args} in the pod; returns its log after it exited 0. */
    private static String runToExit(String name, List<String> args) throws Exception {
        ContainerConfig.Builder config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllArgs(args)
                .addEnvs(KeyValue.newBuilder().setKey("NODE_NAME").setValue(ByteString.copyFromUtf8("e2e-node")))
                .setLogPath(name + ".log")
                .addMounts(Mount.newBuilder().setHostPath(nodeRoot.toString()).setContainerPath("/host"))
                .addMounts(Mount.newBuilder()
                        .setHostPath(configDir.toString())
                        .setContainerPath("/etc/jcri-installer")
                        .setReadonly(true))
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setSecurityContext(
                                LinuxContainerSecurityContext.newBuilder().setPrivileged(true)));
        String id = jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(config)
                        .build())
                .getContainerId();
        try {
            jcri.runtime()
                    .startContainer(StartContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
            ContainerStatus status = awaitExit(id);
            String log = log(name);
            assertEquals(0, status.getExitCode(), log);
            return log;
        } finally {
            jcri.runtime()
                    .removeContainer(RemoveContainerRequest.newBuilder()
                            .setContainerId(id)
                            .build());
        }
    }

    /** Runs {@code command} on the host; returns its output after it exited 0. */
    private static String output(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private static String log(String name) throws IOException {
        Path file = jcri.dir().resolve("logs").resolve(name + ".log");
        return Files.exists(file) ? Files.readString(file) : "(no log)";
    }

    private static ContainerStatus awaitExit(String id) throws InterruptedException {
        // Unpacking the ~60 MB release takes a while on a loaded machine.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        ContainerStatus status;
        do {
            Thread.sleep(200);
            status = jcri.runtime()
                    .containerStatus(ContainerStatusRequest.newBuilder()
                            .setContainerId(id)
                            .build())
                    .getStatus();
        } while (status.getState() != ContainerState.CONTAINER_EXITED && System.nanoTime() < deadline);
        assertEquals(ContainerState.CONTAINER_EXITED, status.getState(), status.toString());
        return status;
    }
}
