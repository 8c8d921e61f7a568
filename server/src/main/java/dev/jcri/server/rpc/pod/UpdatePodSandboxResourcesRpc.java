package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.call.RpcErrors;

/**
 * UpdatePodSandboxResources: kubelet's notice of an in-place pod resize. With either driver kubelet writes the pod
 * cgroup's limits itself (it owns the cgroup or slice it passes as cgroup_parent), and the containers' own limits
 * arrive through UpdateContainerResources; a jcri pod has no cgroup of its own to change (pods without a parent
 * share jcri's). So jcri checks the pod exists and accepts, as CRI-O does for runtimes without a pod-level VM.
 */
public final class UpdatePodSandboxResourcesRpc
        implements CriCall.Handler<UpdatePodSandboxResourcesRequest, UpdatePodSandboxResourcesResponse> {
    private final PodSandboxes sandboxes;

    public UpdatePodSandboxResourcesRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public UpdatePodSandboxResourcesResponse handle(UpdatePodSandboxResourcesRequest request) {
        String id = PodIds.required(request.getPodSandboxId());
        sandboxes.find(id).orElseThrow(() -> RpcErrors.notFound("pod sandbox " + id + " not found"));
        return UpdatePodSandboxResourcesResponse.getDefaultInstance();
    }
}
