package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatsResponse;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.container.CriContainers;

/** ContainerStats: one container's CPU, memory and writable layer; an exited one has no cgroup left to show. */
public final class ContainerStatsRpc implements CriCall.Handler<ContainerStatsRequest, ContainerStatsResponse> {
    private final Containers containers;
    private final ResourceStats stats;

    public ContainerStatsRpc(Containers containers, ResourceStats stats) {
        this.containers = containers;
        this.stats = stats;
    }

    @Override
    public ContainerStatsResponse handle(ContainerStatsRequest request) {
        String id = CriContainers.requiredId(request.getContainerId());
        return ContainerStatsResponse.newBuilder()
                .setStats(CriStats.container(stats.container(containers.require(id))))
                .build();
    }
}
