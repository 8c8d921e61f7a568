package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.ReopenContainerLogRequest;
import dev.jcri.cri.v1.ReopenContainerLogResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;

/** ReopenContainerLog: after kubelet rotated the log file, conmon writes to a fresh one. */
public final class ReopenContainerLogRpc
        implements CriCall.Handler<ReopenContainerLogRequest, ReopenContainerLogResponse> {
    private final Containers containers;

    public ReopenContainerLogRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public ReopenContainerLogResponse handle(ReopenContainerLogRequest request) throws Exception {
        containers.reopenLog(CriContainers.requiredId(request.getContainerId()));
        return ReopenContainerLogResponse.getDefaultInstance();
    }
}
