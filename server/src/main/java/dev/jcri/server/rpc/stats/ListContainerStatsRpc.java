package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.ContainerStatsFilter;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainerStatsResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.LabelSelector;
import java.util.List;

/**
 * ListContainerStats: created and running containers (no filter: all of them), matching the filter's ID or
 * prefix, pod and labels. Filters that match nothing give an empty list, not an error.
 */
public final class ListContainerStatsRpc
        implements CriCall.Handler<ListContainerStatsRequest, ListContainerStatsResponse> {
    private final Containers containers;
    private final ResourceStats stats;

    public ListContainerStatsRpc(Containers containers, ResourceStats stats) {
        this.containers = containers;
        this.stats = stats;
    }

    @Override
    public ListContainerStatsResponse handle(ListContainerStatsRequest request) throws InterruptedException {
        return ListContainerStatsResponse.newBuilder()
                .addAllStats(sample(containers, stats, request.getFilter()))
                .build();
    }

    static List<ContainerStats> sample(Containers containers, ResourceStats stats, ContainerStatsFilter filter)
            throws InterruptedException {
        List<ContainerRecord> all = containers.list();
        List<ContainerRecord> selected = all.stream()
                .filter(ResourceStats::measurable)
                .filter(r -> filter.getId().isEmpty() || r.id().startsWith(filter.getId()))
                .filter(r -> filter.getPodSandboxId().isEmpty() || r.sandboxId().startsWith(filter.getPodSandboxId()))
                .filter(r -> LabelSelector.matches(r.spec().labels(), filter.getLabelSelectorMap()))
                .toList();
        stats.forgetAllBut(all.stream().map(ContainerRecord::id).toList());
        return stats.containers(selected).stream().map(CriStats::container).toList();
    }
}
