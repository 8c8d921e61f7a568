package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.CreateContainerResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CallerWaiting;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.pod.PodIds;

/**
 * CreateContainer: the bundle, the rootfs overlay and the runtime's created (not started) container under conmon.
 * On failure nothing the call made remains.
 */
public final class CreateContainerRpc implements CriCall.Handler<CreateContainerRequest, CreateContainerResponse> {
    private final Containers containers;
    private final LinuxSecurityModules lsm;

    public CreateContainerRpc(Containers containers, LinuxSecurityModules lsm) {
        this.containers = containers;
        this.lsm = lsm;
    }

    @Override
    public CreateContainerResponse handle(CreateContainerRequest request) throws Exception {
        String sandboxId = PodIds.required(request.getPodSandboxId());
        if (!request.hasConfig()) {
            throw new IllegalArgumentException("config: required");
        }
        String image = request.getConfig().getImage().getImage().strip();
        if (image.isEmpty()) {
            throw new IllegalArgumentException("config.image.image: required");
        }
        lsm.check(request.getConfig().getLinux().getSecurityContext());
        String id = containers
                .create(sandboxId, CriContainers.toSpec(request.getConfig()), image)
                .id();
        // As for RunPodSandbox: finished despite a passed deadline, and handed to a retry while maybe unanswered.
        if (CallerWaiting.now()) {
            containers.answered(id);
        }
        return CreateContainerResponse.newBuilder().setContainerId(id).build();
    }
}
