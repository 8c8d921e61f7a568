package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStats;
import dev.jcri.cri.v1.PodSandboxStatsFilter;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.sandbox.pod.SandboxState;
import dev.jcri.sandbox.stats.ResourceStats;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/** ListPodSandboxStats: ready pods (no filter: all of them) matching the filter's ID or prefix and labels. */
public final class ListPodSandboxStatsRpc
        implements CriCall.Handler<ListPodSandboxStatsRequest, ListPodSandboxStatsResponse> {
    private final PodSandboxes sandboxes;
    private final ResourceStats stats;

    public ListPodSandboxStatsRpc(PodSandboxes sandboxes, ResourceStats stats) {
        this.sandboxes = sandboxes;
        this.stats = stats;
    }

    @Override
    public ListPodSandboxStatsResponse handle(ListPodSandboxStatsRequest request) throws InterruptedException {
        return ListPodSandboxStatsResponse.newBuilder()
                .addAllStats(sample(sandboxes, stats, request.getFilter()))
                .build();
    }

    static List<PodSandboxStats> sample(PodSandboxes sandboxes, ResourceStats stats, PodSandboxStatsFilter filter)
            throws InterruptedException {
        List<PodSandboxStats> items = new ArrayList<>();
        for (SandboxRecord sandbox : sandboxes.list()) {
            if (sandbox.state() == SandboxState.READY
                    && (filter.getId().isEmpty() || sandbox.id().startsWith(filter.getId()))
                    && LabelSelector.matches(sandbox.spec().labels(), filter.getLabelSelectorMap())) {
                items.add(CriStats.pod(stats.pod(sandbox)));
            }
        }
        return items;
    }
}
