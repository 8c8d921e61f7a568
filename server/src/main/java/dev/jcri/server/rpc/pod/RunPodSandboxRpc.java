package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.server.call.CallerWaiting;
import dev.jcri.server.call.CriCall;

/**
 * RunPodSandbox: the pod's namespaces, files and network. The CRI: "Runtimes must ensure the sandbox is in the
 * ready state on success"; on failure nothing the call made remains.
 */
public final class RunPodSandboxRpc implements CriCall.Handler<RunPodSandboxRequest, RunPodSandboxResponse> {
    private final PodSandboxes sandboxes;

    public RunPodSandboxRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public RunPodSandboxResponse handle(RunPodSandboxRequest request) throws Exception {
        if (!request.hasConfig()) {
            throw new IllegalArgumentException("config: required");
        }
        SandboxRecord sandbox = sandboxes.run(CriPods.toSpec(request.getConfig(), request.getRuntimeHandler()));
        // The work is never cut short by the client's deadline: the sandbox stays, and a retry of this request
        // is answered with it as long as this answer may not have arrived.
        if (CallerWaiting.now()) {
            sandboxes.answered(sandbox.id());
        }
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(sandbox.id()).build();
    }
}
