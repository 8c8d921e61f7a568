package dev.jcri.server.metrics;

import dev.jcri.image.pull.PullOutcome;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.server.call.RpcObserver;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * jcri's own metrics, for Prometheus: RPCs (count, errors, latency), image pulls (bytes, layers fetched or
 * reused, failures by gRPC code), OOM kills, CNI ADD/DEL latency, pods and containers by state, events dropped,
 * orphans the sweep removed, and the JVM and process. Counts of objects are read when scraped, so they cannot
 * drift from the records.
 */
public final class RuntimeMetrics implements RpcObserver {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter rpcs = Counter.builder()
            .name("jcri_rpc_operations_total")
            .help("CRI RPCs completed, by method")
            .labelNames("method")
            // No exemplars: nothing traces jcri's RPCs, and sampling them was part of every poll's CPU.
            .withoutExemplars()
            .register(registry);
    private final Counter rpcErrors = Counter.builder()
            .name("jcri_rpc_errors_total")
            .help("CRI RPCs that failed, by method and gRPC code")
            .labelNames("method", "code")
            .withoutExemplars()
            .register(registry);
    private final Histogram rpcLatency = Histogram.builder()
            .name("jcri_rpc_latency_seconds")
            .help("CRI RPC latency, by method")
            .labelNames("method")
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    private final Counter pulls = Counter.builder()
            .name("jcri_image_pulls_total")
            .help("Image pulls, by result and, for failures, the gRPC code")
            .labelNames("result", "reason")
            .register(registry);
    private final Counter pullBytes = Counter.builder()
            .name("jcri_image_pull_bytes_total")
            .help("Bytes of layers downloaded by pulls")
            .register(registry);
    private final Counter pullLayers = Counter.builder()
            .name("jcri_image_pull_layers_total")
            .help("Layers pulls needed: fetched, or reused from the store")
            .labelNames("source")
            .register(registry);
    private final Histogram cni = Histogram.builder()
            .name("jcri_cni_operation_seconds")
            .help("Pod network ADD and DEL latency, by operation and result")
            .labelNames("operation", "result")
            .classicOnly()
            .register(registry);

    private final Counter orphans = Counter.builder()
            .name("jcri_orphans_removed_total")
            .help("Leftovers no record owned that the orphan sweep removed, by kind")
            .labelNames("kind")
            .register(registry);

    /** One method's count and latency, looked up once: a label lookup per call was part of every poll's CPU. */
    private record RpcSeries(CounterDataPoint count, DistributionDataPoint latency) {}

    private final Map<String, RpcSeries> rpcSeries = new ConcurrentHashMap<>();

    public RuntimeMetrics(Containers containers, PodSandboxes sandboxes) {
        CounterWithCallback.builder()
                .name("jcri_container_oom_kills_total")
                .help("Containers ended by an OOM kill since jcri started")
                .callback(callback -> callback.call(containers.oomKills()))
                .register(registry);
        CounterWithCallback.builder()
                .name("jcri_container_events_dropped_total")
                .help("Container events a slow GetContainerEvents client did not get")
                .callback(callback -> callback.call(containers.events().dropped()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jcri_containers")
                .help("Containers, by state")
                .labelNames("state")
                .callback(callback -> countBy(
                                containers.list(),
                                (ContainerRecord r) -> r.state().name())
                        .forEach((state, count) -> callback.call(count, state)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jcri_pods")
                .help("Pod sandboxes, by state")
                .labelNames("state")
                .callback(callback -> countBy(
                                sandboxes.list(), (SandboxRecord r) -> r.state().name())
                        .forEach((state, count) -> callback.call(count, state)))
                .register(registry);
        registry.register(new JvmMetricsOnFirstScrape());
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void completed(String rpc, Status.Code code, long nanos) {
        RpcSeries series = rpcSeries.computeIfAbsent(
                rpc, name -> new RpcSeries(rpcs.labelValues(name), rpcLatency.labelValues(name)));
        series.count().inc();
        if (code != Status.Code.OK) {
            rpcErrors.labelValues(rpc, code.name()).inc();
        }
        series.latency().observe(nanos / 1e9);
    }

    public void pullSucceeded(PullOutcome outcome) {
        pulls.labelValues("success", "").inc();
        pullBytes.inc(outcome.bytesFetched());
        pullLayers.labelValues("fetched").inc(outcome.layersFetched());
        pullLayers.labelValues("reused").inc(outcome.layersReused());
    }

    public void pullFailed(Status.Code code) {
        pulls.labelValues("failure", code.name()).inc();
    }

    public void orphansRemoved(Map<String, Integer> byKind) {
        byKind.forEach((kind, count) -> orphans.labelValues(kind).inc(count));
    }

    public void cniObserved(String operation, long nanos, boolean ok) {
        cni.labelValues(operation, ok ? "success" : "failure").observe(nanos / 1e9);
    }

    private static <T> Map<String, Double> countBy(Iterable<T> items, Function<T, String> key) {
        Map<String, Double> counts = new TreeMap<>();
        for (T item : items) {
            counts.merge(key.apply(item), 1.0, Double::sum);
        }
        return counts;
    }
}
