package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveContainerResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;

/** RemoveContainer: a running container is killed first; the log file stays, kubelet owns it. */
public final class RemoveContainerRpc implements CriCall.Handler<RemoveContainerRequest, RemoveContainerResponse> {
    private final Containers containers;

    public RemoveContainerRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public RemoveContainerResponse handle(RemoveContainerRequest request) throws Exception {
        // The CRI: "This call is idempotent, and must not return an error if the container has already been
        // removed."
        containers.remove(CriContainers.requiredId(request.getContainerId()));
        return RemoveContainerResponse.getDefaultInstance();
    }
}
