package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.StreamContainerStatsRequest;
import dev.jcri.cri.v1.StreamContainerStatsResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.StreamBatches;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamContainerStats: ListContainerStats in pieces of up to {@link StreamBatches#BATCH}. */
public final class StreamContainerStatsRpc {
    private final Containers containers;
    private final ResourceStats stats;

    public StreamContainerStatsRpc(Containers containers, ResourceStats stats) {
        this.containers = containers;
        this.stats = stats;
    }

    public void handle(StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> responses)
            throws InterruptedException {
        List<ContainerStats> items = ListContainerStatsRpc.sample(containers, stats, request.getFilter());
        StreamBatches.send(
                items,
                batch -> StreamContainerStatsResponse.newBuilder()
                        .addAllContainerStats(batch)
                        .build(),
                responses);
    }
}
