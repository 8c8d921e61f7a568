package dev.jcri.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.ContainerStatsFilter;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListMetricDescriptorsRequest;
import dev.jcri.cri.v1.ListPodSandboxMetricsRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.Metric;
import dev.jcri.cri.v1.MetricDescriptor;
import dev.jcri.cri.v1.PodSandboxMetrics;
import dev.jcri.cri.v1.PodSandboxStats;
import dev.jcri.cri.v1.PodSandboxStatsFilter;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StreamContainerStatsRequest;
import dev.jcri.cri.v1.StreamContainerStatsResponse;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.e2e.registry.OciImageBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Container and pod stats, the cAdvisor-style metrics RPCs and the Prometheus endpoint, read from real cgroups (v1
 * on this host) and a real pod network namespace.
 */
class StatsTest {
    private static final long MIB = 1 << 20;
    private static TestNode node;
    private static JcriProcess jcri;
    private static String image;
    private static String pod;
    private static String burner;
    private static String hog;
    private static String writer;
    private static String created;

    @RegisterExtension
    final DumpLogOnFailure dumpLog = new DumpLogOnFailure(() -> jcri);

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(
                true,
                (registry, dir) -> registry.pusher()
                        .push("test/busybox", "1", OciImageBuilder.busybox().build()));
        jcri = node.jcri();
        image = node.pull("test/busybox:1");
        pod = jcri.runtime()
                .runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(PodSandboxTest.pod("stats")
                                .setLogDirectory(jcri.dir().resolve("logs").toString())
                                .putLabels("tier", "stats"))
                        .build())
                .getPodSandboxId();
        burner = run(container("burner", "sh", "-c", "while :; do :; done").putLabels("role", "burner"));
        hog = run(container("hog", "sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=55 && sleep 3600"));
        writer = run(container("writer", "sleep", "3600"));
        created = create(container("created", "sleep", "3600"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static ContainerConfig.Builder container(String name, String... command) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of(command))
                .setLogPath(name + ".log");
    }

    private static String create(ContainerConfig.Builder config) {
        return jcri.runtime()
                .createContainer(CreateContainerRequest.newBuilder()
                        .setPodSandboxId(pod)
                        .setConfig(config)
                        .build())
                .getContainerId();
    }

    private static String run(ContainerConfig.Builder config) {
        String id = create(config);
        jcri.runtime()
                .startContainer(
                        StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ContainerStats stats(String id) {
        return jcri.runtime()
                .containerStats(
                        ContainerStatsRequest.newBuilder().setContainerId(id).build())
                .getStats();
    }

    private static void exec(String id, String command) {
        jcri.runtime()
                .execSync(ExecSyncRequest.newBuilder()
                        .setContainerId(id)
                        .addAllCmd(List.of("sh", "-c", command))
                        .setTimeout(20)
                        .build());
    }

    @Test
    void pressureAndIoAreAbsentNotZeroOnCgroupV1() {
        assumeFalse(CgroupHierarchies.unified(), "a cgroup v1 node (the v2 guest checks their presence)");
        ContainerStats stats = stats(burner);
        assertFalse(stats.hasIo(), stats.toString());
        assertFalse(stats.getCpu().hasPsi(), stats.toString());
        assertFalse(stats.getMemory().hasPsi(), stats.toString());
        PodSandboxStats podStats = jcri.runtime()
                .podSandboxStats(
                        PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
                .getStats();
        assertFalse(podStats.getLinux().hasIo(), podStats.getLinux().toString());
        for (ContainerStats listed : jcri.runtime()
                .listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                .getStatsList()) {
            assertFalse(listed.hasIo(), listed.toString());
        }
    }

    @Test
    void aBusyContainerShowsRisingCpuUsage() throws Exception {
        long first = stats(burner).getCpu().getUsageCoreNanoSeconds().getValue();
        Thread.sleep(500);
        ContainerStats second = stats(burner);
        assertTrue(
                second.getCpu().getUsageCoreNanoSeconds().getValue() > first + 100_000_000L,
                first + " -> " + second.getCpu());
        assertTrue(
                second.getCpu().getUsageNanoCores().getValue() > 100_000_000L,
                second.getCpu().toString());
        assertEquals("burner", second.getAttributes().getMetadata().getName());
        assertEquals("burner", second.getAttributes().getLabelsOrThrow("role"));
    }

    @Test
    void memoryInUseShowsInTheWorkingSet() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ContainerStats stats = stats(hog);
        while (stats.getMemory().getWorkingSetBytes().getValue() < 50 * MIB && System.nanoTime() < deadline) {
            Thread.sleep(100);
            stats = stats(hog);
        }
        assertTrue(
                stats.getMemory().getWorkingSetBytes().getValue() > 50 * MIB,
                stats.getMemory().toString());
        assertTrue(stats.getMemory().getUsageBytes().getValue()
                >= stats.getMemory().getWorkingSetBytes().getValue());
        assertTrue(
                stats.getMemory().getPageFaults().getValue() > 0,
                stats.getMemory().toString());
    }

    @Test
    void theWritableLayerGrowsWhenTheContainerWrites() {
        long before = stats(writer).getWritableLayer().getUsedBytes().getValue();
        long inodesBefore = stats(writer).getWritableLayer().getInodesUsed().getValue();
        exec(writer, "head -c 2097152 /dev/zero > /tmp/two-mib");
        ContainerStats after = stats(writer);
        assertTrue(
                after.getWritableLayer().getUsedBytes().getValue() >= before + 2 * MIB,
                before + " -> " + after.getWritableLayer());
        assertTrue(after.getWritableLayer().getInodesUsed().getValue() > inodesBefore);
        assertTrue(after.getWritableLayer().getFsId().getMountpoint().endsWith(writer + "/upper"));
    }

    @Test
    void podNetworkCountersGrowAfterTraffic() throws Exception {
        PodSandboxStats before = jcri.runtime()
                .podSandboxStats(
                        PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
                .getStats();
        long tx = before.getLinux()
                .getNetwork()
                .getDefaultInterface()
                .getTxBytes()
                .getValue();
        assertEquals(
                "eth0", before.getLinux().getNetwork().getDefaultInterface().getName());
        // A connection attempt to the bridge's gateway: packets leave eth0 whether or not anything answers.
        exec(writer, "nc -w 1 " + node.network().subnetPrefix() + ".1 9 </dev/null || true");
        PodSandboxStats after = jcri.runtime()
                .podSandboxStats(
                        PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
                .getStats();
        assertTrue(
                after.getLinux().getNetwork().getDefaultInterface().getTxBytes().getValue() > tx,
                after.getLinux().getNetwork().toString());
        assertTrue(
                after.getLinux().getProcess().getProcessCount().getValue() >= 3,
                after.getLinux().getProcess().toString());
        assertEquals(4, after.getLinux().getContainersCount(), "created and running containers");
        assertTrue(after.getLinux().getMemory().getWorkingSetBytes().getValue() > 50 * MIB);
        assertEquals("stats", after.getAttributes().getMetadata().getName());
    }

    @Test
    void listFiltersSelectContainersAndACreatedOneShowsUp() {
        List<ContainerStats> all = jcri.runtime()
                .listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                .getStatsList();
        assertEquals(4, all.size(), all.toString());
        ContainerStats notStarted = all.stream()
                .filter(s -> s.getAttributes().getId().equals(created))
                .findFirst()
                .orElseThrow();
        assertTrue(
                notStarted.getCpu().getUsageCoreNanoSeconds().getValue() < 50_000_000L,
                notStarted.getCpu().toString());
        assertEquals(List.of(burner), ids(ContainerStatsFilter.newBuilder().putLabelSelector("role", "burner")));
        assertEquals(List.of(hog), ids(ContainerStatsFilter.newBuilder().setId(hog.substring(0, 12))));
        assertEquals(
                4, ids(ContainerStatsFilter.newBuilder().setPodSandboxId(pod)).size());
        assertEquals(List.of(), ids(ContainerStatsFilter.newBuilder().setPodSandboxId("0000")));
        int streamed = 0;
        for (Iterator<StreamContainerStatsResponse> it =
                        jcri.runtime().streamContainerStats(StreamContainerStatsRequest.getDefaultInstance());
                it.hasNext(); ) {
            streamed += it.next().getContainerStatsCount();
        }
        assertEquals(4, streamed);
        assertEquals(
                1,
                jcri.runtime()
                        .listPodSandboxStats(ListPodSandboxStatsRequest.newBuilder()
                                .setFilter(PodSandboxStatsFilter.newBuilder().putLabelSelector("tier", "stats"))
                                .build())
                        .getStatsCount());
        assertEquals(
                Status.Code.NOT_FOUND,
                org.junit.jupiter.api.Assertions.assertThrows(
                                StatusRuntimeException.class, () -> stats("0123456789abcdef"))
                        .getStatus()
                        .getCode());
    }

    private static List<String> ids(ContainerStatsFilter.Builder filter) {
        return jcri
                .runtime()
                .listContainerStats(
                        ListContainerStatsRequest.newBuilder().setFilter(filter).build())
                .getStatsList()
                .stream()
                .map(s -> s.getAttributes().getId())
                .sorted()
                .toList();
    }

    @Test
    void metricsRpcsDescribeAndReportTheSameUsage() {
        List<MetricDescriptor> descriptors = jcri.runtime()
                .listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
                .getDescriptorsList();
        Map<String, MetricDescriptor> byName = new HashMap<>();
        descriptors.forEach(d -> byName.put(d.getName(), d));
        assertTrue(
                byName.keySet()
                        .containsAll(List.of(
                                "container_cpu_usage_seconds_total",
                                "container_memory_working_set_bytes",
                                "container_network_receive_bytes_total")),
                byName.keySet().toString());
        List<PodSandboxMetrics> pods = jcri.runtime()
                .listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
                .getPodMetricsList();
        PodSandboxMetrics metrics = pods.stream()
                .filter(p -> p.getPodSandboxId().equals(pod))
                .findFirst()
                .orElseThrow();
        Metric workingSet = metrics.getContainerMetricsList().stream()
                .filter(c -> c.getContainerId().equals(hog))
                .findFirst()
                .orElseThrow()
                .getMetricsList()
                .stream()
                .filter(m -> m.getName().equals("container_memory_working_set_bytes"))
                .findFirst()
                .orElseThrow();
        assertTrue(workingSet.getValue().getValue() > 50 * MIB, workingSet.toString());
        assertEquals(byName.get(workingSet.getName()).getLabelKeysCount(), workingSet.getLabelValuesCount());
        assertTrue(metrics.getMetricsList().stream()
                .anyMatch(m -> m.getName().equals("container_network_receive_bytes_total")
                        && m.getLabelValuesList().contains("eth0")));
    }

    @Test
    void prometheusCountersMoveAfterRpcsAFailedPullAndAnOomKill() throws Exception {
        Map<String, Double> before = scrape();
        jcri.runtime().version(VersionRequest.getDefaultInstance());
        org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> jcri.images()
                        .pullImage(PullImageRequest.newBuilder()
                                .setImage(ImageSpec.newBuilder().setImage(node.registryHostPort() + "/test/missing:1"))
                                .build()));
        String oom = run(container("oom", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(20 * MIB))));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!jcri.runtime()
                            .containerStatus(ContainerStatusRequest.newBuilder()
                                    .setContainerId(oom)
                                    .build())
                            .getStatus()
                            .getReason()
                            .equals("OOMKilled")
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Map<String, Double> after = scrape();
            assertTrue(
                    after.get("jcri_rpc_operations_total{method=\"Version\"}")
                            > before.getOrDefault("jcri_rpc_operations_total{method=\"Version\"}", 0.0),
                    after.toString());
            assertEquals(
                    before.getOrDefault("jcri_image_pulls_total{reason=\"NOT_FOUND\",result=\"failure\"}", 0.0) + 1,
                    after.get("jcri_image_pulls_total{reason=\"NOT_FOUND\",result=\"failure\"}"));
            assertEquals(before.get("jcri_container_oom_kills_total") + 1, after.get("jcri_container_oom_kills_total"));
            assertTrue(after.get("jcri_pods{state=\"READY\"}") >= 1);
            assertTrue(
                    after.containsKey("jcri_cni_operation_seconds_count{operation=\"ADD\",result=\"success\"}"),
                    after.keySet().toString());
            assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")));
        } finally {
            jcri.runtime()
                    .removeContainer(RemoveContainerRequest.newBuilder()
                            .setContainerId(oom)
                            .build());
        }
        HttpResponse<String> health = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jcri.metricsPort() + "/healthz"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})?) (\\S+)$");

    /** Parses the Prometheus text format strictly enough that a malformed line fails the test. */
    private static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jcri.metricsPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not Prometheus text format: " + line);
            samples.put(sample.group(1), Double.parseDouble(sample.group(3)));
        }
        assertFalse(samples.isEmpty());
        return samples;
    }
}
