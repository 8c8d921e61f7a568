package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.StreamContainersRequest;
import dev.jcri.cri.v1.StreamContainersResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.StreamBatches;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamContainers: ListContainers in pieces of up to {@link StreamBatches#BATCH} containers. */
public final class StreamContainersRpc {
    private final Containers containers;

    public StreamContainersRpc(Containers containers) {
        this.containers = containers;
    }

    public void handle(StreamContainersRequest request, StreamObserver<StreamContainersResponse> responses) {
        List<Container> items = ListContainersRpc.select(containers, request.getFilter()).stream()
                .map(CriContainers::toListItem)
                .toList();
        StreamBatches.send(
                items,
                batch -> StreamContainersResponse.newBuilder()
                        .addAllContainers(batch)
                        .build(),
                responses);
    }
}
