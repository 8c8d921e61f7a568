package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;

/**
 * UpdateContainerResources: new cgroup values for a live container, reflected in ContainerStatus. Values the
 * kernel refuses leave the old ones in force and answer INVALID_ARGUMENT.
 */
public final class UpdateContainerResourcesRpc
        implements CriCall.Handler<UpdateContainerResourcesRequest, UpdateContainerResourcesResponse> {
    private final Containers containers;

    public UpdateContainerResourcesRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public UpdateContainerResourcesResponse handle(UpdateContainerResourcesRequest request) throws Exception {
        String id = CriContainers.requiredId(request.getContainerId());
        if (!request.hasLinux()) {
            throw new IllegalArgumentException("linux: required (jcri runs Linux containers)");
        }
        containers.updateResources(id, CriContainers.resources(request.getLinux(), "linux"));
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }
}
