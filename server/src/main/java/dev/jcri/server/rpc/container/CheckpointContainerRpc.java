package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.CheckpointContainerRequest;
import dev.jcri.cri.v1.CheckpointContainerResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;

/**
 * CheckpointContainer (KEP-2008): the running container dumped by CRIU into a checkpointctl-compatible archive at
 * {@code location}, the container left running. FAILED_PRECONDITION with CRIU's own reason where it cannot work,
 * DEADLINE_EXCEEDED past {@code timeout} (seconds; 0 is the runtime timeout).
 */
public final class CheckpointContainerRpc
        implements CriCall.Handler<CheckpointContainerRequest, CheckpointContainerResponse> {
    private final Containers containers;

    public CheckpointContainerRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public CheckpointContainerResponse handle(CheckpointContainerRequest request) throws Exception {
        String id = CriContainers.requiredId(request.getContainerId());
        containers.checkpoint(id, request.getLocation(), request.getTimeout());
        return CheckpointContainerResponse.getDefaultInstance();
    }
}
