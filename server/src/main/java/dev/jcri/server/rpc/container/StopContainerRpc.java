package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopContainerResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;

/** StopContainer: the stop signal, then SIGKILL after the timeout. */
public final class StopContainerRpc implements CriCall.Handler<StopContainerRequest, StopContainerResponse> {
    private final Containers containers;

    public StopContainerRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public StopContainerResponse handle(StopContainerRequest request) throws Exception {
        String id = CriContainers.requiredId(request.getContainerId());
        if (request.getTimeout() < 0) {
            throw new IllegalArgumentException("timeout: must not be negative");
        }
        // The CRI: "This call is idempotent, and must not return an error if the container has already been
        // stopped" -- nor for one this node does not know.
        containers.stop(id, request.getTimeout());
        return StopContainerResponse.getDefaultInstance();
    }
}
