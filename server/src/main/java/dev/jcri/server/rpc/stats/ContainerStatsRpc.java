package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatsResponse;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.grpc.UnaryCall;

/** ContainerStats: one container's CPU, memory and writable layer; an exited one has no cgroup left to show. */
public final class ContainerStatsRpc implements UnaryCall.Handler<ContainerStatsRequest, ContainerStatsResponse> {
    private final Containers containers;
    private final ResourceStats stats;

    public ContainerStatsRpc(Containers containers, ResourceStats stats) {
        this.containers = containers;
        this.stats = stats;
    }

    @Override
    public ContainerStatsResponse handle(ContainerStatsRequest request) {
        String id = request.getContainerId().strip();
        if (id.isEmpty()) {
            throw new IllegalArgumentException("container_id: required");
        }
        ContainerRecord record = containers.find(id)
                .orElseThrow(() -> new NotFoundException("container " + id + " not found"));
        return ContainerStatsResponse.newBuilder().setStats(CriStats.container(stats.container(record))).build();
    }
}
