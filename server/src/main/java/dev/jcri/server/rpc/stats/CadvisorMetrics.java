package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ContainerMetrics;
import dev.jcri.cri.v1.Metric;
import dev.jcri.cri.v1.MetricDescriptor;
import dev.jcri.cri.v1.MetricType;
import dev.jcri.cri.v1.PodSandboxMetrics;
import dev.jcri.cri.v1.UInt64Value;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.stats.CgroupUsage;
import dev.jcri.sandbox.stats.InterfaceCounters;
import dev.jcri.sandbox.stats.ResourceStats;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The cAdvisor-named metrics kubelet can take from the runtime instead of cAdvisor (ListMetricDescriptors,
 * ListPodSandboxMetrics): the same samples as the stats RPCs, as named values with cAdvisor's labels. CRI metric
 * values are unsigned integers, so CPU time is in whole seconds, as the name says.
 */
final class CadvisorMetrics {
    static final List<String> CONTAINER_LABELS = List.of("container", "id", "image", "name", "namespace", "pod");
    static final List<String> NETWORK_LABELS =
            List.of("container", "id", "image", "name", "namespace", "pod", "interface");

    private record ContainerMetric(
            String name, String help, MetricType type, ToLongFunction<ResourceStats.ContainerSample> value) {}

    private record NetworkMetric(String name, String help, ToLongFunction<InterfaceCounters> value) {}

    private static final List<ContainerMetric> CONTAINER = List.of(
            new ContainerMetric(
                    "container_cpu_usage_seconds_total",
                    "Cumulative cpu time consumed in seconds.",
                    MetricType.COUNTER,
                    s -> seconds(s.usage().cpuNanos())),
            new ContainerMetric(
                    "container_memory_working_set_bytes",
                    "Current working set in bytes.",
                    MetricType.GAUGE,
                    s -> s.usage().workingSet()),
            new ContainerMetric(
                    "container_memory_usage_bytes",
                    "Current memory usage in bytes, including all" + " memory regardless of when it was accessed.",
                    MetricType.GAUGE,
                    s -> s.usage().memoryUsage()),
            new ContainerMetric(
                    "container_memory_rss",
                    "Size of RSS in bytes.",
                    MetricType.GAUGE,
                    s -> s.usage().rss()),
            new ContainerMetric(
                    "container_oom_events_total",
                    "Count of out of memory events observed for the" + " container.",
                    MetricType.COUNTER,
                    s -> s.usage().oomKills()),
            new ContainerMetric(
                    "container_processes",
                    "Number of processes running inside the container.",
                    MetricType.GAUGE,
                    s -> s.usage().processes()),
            new ContainerMetric(
                    "container_fs_usage_bytes",
                    "Number of bytes that are consumed by the container on" + " this filesystem.",
                    MetricType.GAUGE,
                    s -> s.writableLayer().bytes()),
            new ContainerMetric(
                    "container_fs_inodes_total",
                    "Number of inodes the container's writable layer uses.",
                    MetricType.GAUGE,
                    s -> s.writableLayer().inodes()),
            new ContainerMetric(
                    "container_start_time_seconds",
                    "Start time of the container since unix epoch in" + " seconds.",
                    MetricType.GAUGE,
                    s -> seconds(s.container().startedAt())));

    private static final List<NetworkMetric> NETWORK = List.of(
            new NetworkMetric(
                    "container_network_receive_bytes_total",
                    "Cumulative count of bytes received",
                    InterfaceCounters::rxBytes),
            new NetworkMetric(
                    "container_network_receive_errors_total",
                    "Cumulative count of errors encountered while receiving",
                    InterfaceCounters::rxErrors),
            new NetworkMetric(
                    "container_network_transmit_bytes_total",
                    "Cumulative count of bytes transmitted",
                    InterfaceCounters::txBytes),
            new NetworkMetric(
                    "container_network_transmit_errors_total",
                    "Cumulative count of errors encountered while transmitting",
                    InterfaceCounters::txErrors));

    private CadvisorMetrics() {}

    static List<MetricDescriptor> descriptors() {
        List<MetricDescriptor> descriptors = new ArrayList<>();
        for (ContainerMetric metric : CONTAINER) {
            descriptors.add(MetricDescriptor.newBuilder()
                    .setName(metric.name())
                    .setHelp(metric.help())
                    .addAllLabelKeys(CONTAINER_LABELS)
                    .build());
        }
        for (NetworkMetric metric : NETWORK) {
            descriptors.add(MetricDescriptor.newBuilder()
                    .setName(metric.name())
                    .setHelp(metric.help())
                    .addAllLabelKeys(NETWORK_LABELS)
                    .build());
        }
        return descriptors;
    }

    static PodSandboxMetrics pod(ResourceStats.PodSample sample) {
        SandboxRecord sandbox = sample.sandbox();
        PodSandboxMetrics.Builder metrics = PodSandboxMetrics.newBuilder().setPodSandboxId(sandbox.id());
        for (InterfaceCounters counters : sample.interfaces()) {
            for (NetworkMetric metric : NETWORK) {
                metrics.addMetrics(metric(
                        metric.name(),
                        sample.timestamp(),
                        MetricType.COUNTER,
                        metric.value().applyAsLong(counters),
                        List.of(
                                "POD",
                                sandbox.id(),
                                "",
                                "",
                                sandbox.spec().namespace(),
                                sandbox.spec().name(),
                                counters.name())));
            }
        }
        for (ResourceStats.ContainerSample container : sample.containers()) {
            ContainerRecord record = container.container();
            List<String> labels = List.of(
                    record.spec().name(),
                    record.id(),
                    record.image().requested(),
                    record.id(),
                    sandbox.spec().namespace(),
                    sandbox.spec().name());
            ContainerMetrics.Builder values = ContainerMetrics.newBuilder().setContainerId(record.id());
            for (ContainerMetric metric : CONTAINER) {
                long value = metric.value().applyAsLong(container);
                if (value != CgroupUsage.UNKNOWN) {
                    values.addMetrics(metric(metric.name(), container.timestamp(), metric.type(), value, labels));
                }
            }
            metrics.addContainerMetrics(values);
        }
        return metrics.build();
    }

    private static Metric metric(String name, long timestamp, MetricType type, long value, List<String> labels) {
        return Metric.newBuilder()
                .setName(name)
                .setTimestamp(timestamp)
                .setMetricType(type)
                .addAllLabelValues(labels)
                .setValue(UInt64Value.newBuilder().setValue(value))
                .build();
    }

    private static long seconds(long nanos) {
        return nanos == CgroupUsage.UNKNOWN ? nanos : nanos / 1_000_000_000L;
    }
}
