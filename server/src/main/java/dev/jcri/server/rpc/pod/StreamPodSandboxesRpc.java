package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.StreamPodSandboxesRequest;
import dev.jcri.cri.v1.StreamPodSandboxesResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** StreamPodSandboxes: ListPodSandbox in pieces of up to {@link #BATCH} sandboxes. */
public final class StreamPodSandboxesRpc {
    static final int BATCH = 500;

    private final PodSandboxes sandboxes;

    public StreamPodSandboxesRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    public void handle(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> responses) {
        List<PodSandbox> items = ListPodSandboxRpc.select(sandboxes, request.getFilter()).stream()
                .map(CriPods::toListItem).toList();
        for (int from = 0; from < items.size(); from += BATCH) {
            responses.onNext(StreamPodSandboxesResponse.newBuilder()
                    .addAllPodSandboxes(items.subList(from, Math.min(items.size(), from + BATCH)))
                    .build());
        }
        responses.onCompleted();
    }
}
