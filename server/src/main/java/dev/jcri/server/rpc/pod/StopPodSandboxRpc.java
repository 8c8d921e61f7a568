package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.server.call.CriCall;

/** StopPodSandbox: stops the pod's containers and releases its network. */
public final class StopPodSandboxRpc implements CriCall.Handler<StopPodSandboxRequest, StopPodSandboxResponse> {
    private final PodSandboxes sandboxes;

    public StopPodSandboxRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public StopPodSandboxResponse handle(StopPodSandboxRequest request) throws Exception {
        String id = PodIds.required(request.getPodSandboxId());
        // The CRI: "This call is idempotent, and must not return an error if all relevant resources have already
        // been reclaimed" -- an unknown ID included, since kubelet retries after a runtime restart.
        sandboxes.stop(id);
        return StopPodSandboxResponse.getDefaultInstance();
    }
}
