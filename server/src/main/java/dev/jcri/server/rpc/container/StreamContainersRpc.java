package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.StreamContainersRequest;
import dev.jcri.cri.v1.StreamContainersResponse;
import dev.jcri.sandbox.container.Containers;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamContainers: ListContainers in pieces of up to {@link #BATCH} containers. */
public final class StreamContainersRpc {
    static final int BATCH = 500;

    private final Containers containers;

    public StreamContainersRpc(Containers containers) {
        this.containers = containers;
    }

    public void handle(StreamContainersRequest request, StreamObserver<StreamContainersResponse> responses) {
        List<Container> items = ListContainersRpc.select(containers, request.getFilter()).stream()
                .map(CriContainers::toListItem).toList();
        for (int from = 0; from < items.size(); from += BATCH) {
            responses.onNext(StreamContainersResponse.newBuilder()
                    .addAllContainers(items.subList(from, Math.min(items.size(), from + BATCH)))
                    .build());
        }
        responses.onCompleted();
    }
}
