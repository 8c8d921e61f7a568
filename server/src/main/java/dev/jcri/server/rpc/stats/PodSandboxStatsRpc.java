package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatsResponse;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.pod.PodIds;

/**
 * PodSandboxStats: a pod's usage (its containers' cgroups summed; there is no pod process to add), its network
 * counters read inside its namespace, its process count, and each container's stats.
 */
public final class PodSandboxStatsRpc implements CriCall.Handler<PodSandboxStatsRequest, PodSandboxStatsResponse> {
    private final PodSandboxes sandboxes;
    private final ResourceStats stats;

    public PodSandboxStatsRpc(PodSandboxes sandboxes, ResourceStats stats) {
        this.sandboxes = sandboxes;
        this.stats = stats;
    }

    @Override
    public PodSandboxStatsResponse handle(PodSandboxStatsRequest request) throws InterruptedException {
        String id = PodIds.required(request.getPodSandboxId());
        SandboxRecord sandbox =
                sandboxes.find(id).orElseThrow(() -> new NotFoundException("pod sandbox " + id + " not found"));
        return PodSandboxStatsResponse.newBuilder()
                .setStats(CriStats.pod(stats.pod(sandbox)))
                .build();
    }
}
