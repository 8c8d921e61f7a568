package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.LabelSelector;
import dev.jcri.server.rpc.ListItems;
import java.util.List;

/** ListPodSandbox: every sandbox, or those matching the filter's ID (or prefix), state and labels. */
public final class ListPodSandboxRpc implements CriCall.Handler<ListPodSandboxRequest, ListPodSandboxResponse> {
    private final PodSandboxes sandboxes;
    private final ListItems<SandboxRecord, PodSandbox> items = new ListItems<>(CriPods::toListItem);

    public ListPodSandboxRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public ListPodSandboxResponse handle(ListPodSandboxRequest request) {
        return ListPodSandboxResponse.newBuilder()
                .addAllItems(items.of(select(sandboxes, request.getFilter())))
                .build();
    }

    /** Filters are ANDed; an ID that matches nothing (or an ambiguous prefix) gives an empty list, not an error. */
    static List<SandboxRecord> select(PodSandboxes sandboxes, PodSandboxFilter filter) {
        String id = filter.getId();
        return sandboxes.list().stream()
                .filter(r -> id.isEmpty() || r.id().startsWith(id))
                .filter(r -> !filter.hasState()
                        || CriPods.state(r.state()) == filter.getState().getState())
                .filter(r -> LabelSelector.matches(r.spec().labels(), filter.getLabelSelectorMap()))
                .toList();
    }
}
