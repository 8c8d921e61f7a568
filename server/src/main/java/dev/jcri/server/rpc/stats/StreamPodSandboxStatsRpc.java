package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.PodSandboxStats;
import dev.jcri.cri.v1.StreamPodSandboxStatsRequest;
import dev.jcri.cri.v1.StreamPodSandboxStatsResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.StreamBatches;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamPodSandboxStats: ListPodSandboxStats in pieces of up to {@link StreamBatches#BATCH}. */
public final class StreamPodSandboxStatsRpc {
    private final PodSandboxes sandboxes;
    private final ResourceStats stats;

    public StreamPodSandboxStatsRpc(PodSandboxes sandboxes, ResourceStats stats) {
        this.sandboxes = sandboxes;
        this.stats = stats;
    }

    public void handle(StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> responses)
            throws InterruptedException {
        List<PodSandboxStats> items = ListPodSandboxStatsRpc.sample(sandboxes, stats, request.getFilter());
        StreamBatches.send(
                items,
                batch -> StreamPodSandboxStatsResponse.newBuilder()
                        .addAllPodSandboxStats(batch)
                        .build(),
                responses);
    }
}
