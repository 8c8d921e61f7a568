package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.PodSandboxMetrics;
import dev.jcri.cri.v1.StreamPodSandboxMetricsRequest;
import dev.jcri.cri.v1.StreamPodSandboxMetricsResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.StreamBatches;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamPodSandboxMetrics: ListPodSandboxMetrics in pieces of up to {@link StreamBatches#BATCH}. */
public final class StreamPodSandboxMetricsRpc {
    private final PodSandboxes sandboxes;
    private final ResourceStats stats;

    public StreamPodSandboxMetricsRpc(PodSandboxes sandboxes, ResourceStats stats) {
        this.sandboxes = sandboxes;
        this.stats = stats;
    }

    public void handle(
            StreamPodSandboxMetricsRequest request, StreamObserver<StreamPodSandboxMetricsResponse> responses)
            throws InterruptedException {
        List<PodSandboxMetrics> items = ListPodSandboxMetricsRpc.sample(sandboxes, stats);
        StreamBatches.send(
                items,
                batch -> StreamPodSandboxMetricsResponse.newBuilder()
                        .addAllPodSandboxMetrics(batch)
                        .build(),
                responses);
    }
}
