package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StartContainerResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;

/** StartContainer: runs the created container's entrypoint; it is RUNNING (or already EXITED) on return. */
public final class StartContainerRpc implements CriCall.Handler<StartContainerRequest, StartContainerResponse> {
    private final Containers containers;

    public StartContainerRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public StartContainerResponse handle(StartContainerRequest request) throws Exception {
        containers.start(CriContainers.requiredId(request.getContainerId()));
        return StartContainerResponse.getDefaultInstance();
    }
}
