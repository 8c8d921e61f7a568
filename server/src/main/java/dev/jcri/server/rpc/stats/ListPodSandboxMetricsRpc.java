package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ListPodSandboxMetricsRequest;
import dev.jcri.cri.v1.ListPodSandboxMetricsResponse;
import dev.jcri.cri.v1.PodSandboxMetrics;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.pod.SandboxState;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.CriCall;
import java.util.ArrayList;
import java.util.List;

/** ListPodSandboxMetrics: for every ready pod, its network counters and its containers' cAdvisor metrics. */
public final class ListPodSandboxMetricsRpc
        implements CriCall.Handler<ListPodSandboxMetricsRequest, ListPodSandboxMetricsResponse> {
    private final PodSandboxes sandboxes;
    private final ResourceStats stats;

    public ListPodSandboxMetricsRpc(PodSandboxes sandboxes, ResourceStats stats) {
        this.sandboxes = sandboxes;
        this.stats = stats;
    }

    @Override
    public ListPodSandboxMetricsResponse handle(ListPodSandboxMetricsRequest request) throws InterruptedException {
        return ListPodSandboxMetricsResponse.newBuilder()
                .addAllPodMetrics(sample(sandboxes, stats))
                .build();
    }

    static List<PodSandboxMetrics> sample(PodSandboxes sandboxes, ResourceStats stats) throws InterruptedException {
        List<PodSandboxMetrics> metrics = new ArrayList<>();
        for (SandboxRecord sandbox : sandboxes.list()) {
            if (sandbox.state() == SandboxState.READY) {
                metrics.add(CadvisorMetrics.pod(stats.pod(sandbox)));
            }
        }
        return metrics;
    }
}
