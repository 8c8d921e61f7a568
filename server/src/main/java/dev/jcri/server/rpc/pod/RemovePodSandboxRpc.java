package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RemovePodSandboxResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.server.call.CriCall;

/** RemovePodSandbox: everything the sandbox holds goes, stopping it first if needed. */
public final class RemovePodSandboxRpc implements CriCall.Handler<RemovePodSandboxRequest, RemovePodSandboxResponse> {
    private final PodSandboxes sandboxes;

    public RemovePodSandboxRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public RemovePodSandboxResponse handle(RemovePodSandboxRequest request) throws Exception {
        String id = PodIds.required(request.getPodSandboxId());
        // The CRI: "This call is idempotent, and must not return an error if the sandbox has already been removed."
        sandboxes.remove(id);
        return RemovePodSandboxResponse.getDefaultInstance();
    }
}
