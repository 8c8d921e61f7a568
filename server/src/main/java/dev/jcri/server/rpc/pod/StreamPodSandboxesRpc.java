package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.StreamPodSandboxesRequest;
import dev.jcri.cri.v1.StreamPodSandboxesResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.server.call.StreamBatches;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamPodSandboxes: ListPodSandbox in pieces of up to {@link StreamBatches#BATCH} sandboxes. */
public final class StreamPodSandboxesRpc {
    private final PodSandboxes sandboxes;

    public StreamPodSandboxesRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    public void handle(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> responses) {
        List<PodSandbox> items = ListPodSandboxRpc.select(sandboxes, request.getFilter()).stream()
                .map(CriPods::toListItem)
                .toList();
        StreamBatches.send(
                items,
                batch -> StreamPodSandboxesResponse.newBuilder()
                        .addAllPodSandboxes(batch)
                        .build(),
                responses);
    }
}
