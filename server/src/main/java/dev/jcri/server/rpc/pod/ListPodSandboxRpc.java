package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.LabelSelector;
import dev.jcri.server.rpc.ListAnswers;
import dev.jcri.server.rpc.ListItems;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** ListPodSandbox: every sandbox, or those matching the filter's ID (or prefix), state and labels. */
public final class ListPodSandboxRpc implements CriCall.Handler<ListPodSandboxRequest, ListPodSandboxResponse> {
    private final PodSandboxes sandboxes;
    private final ListItems<SandboxRecord, PodSandbox> items = new ListItems<>(CriPods::toListItem);
    private final ListAnswers<PodSandboxFilter, SandboxRecord, ListPodSandboxResponse> answers = new ListAnswers<>(
            PodSandboxFilter.getDefaultInstance(),
            records -> ListPodSandboxResponse.newBuilder()
                    .addAllItems(items.of(records))
                    .build());

    public ListPodSandboxRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public ListPodSandboxResponse handle(ListPodSandboxRequest request) {
        return answers.of(request.getFilter(), select(sandboxes, request.getFilter()));
    }

    /**
     * Filters are ANDed; an ID that matches nothing (or an ambiguous prefix) gives an empty list, not an error. A
     * loop, not a stream: this runs on every poll, and an empty filter (kubelet's relist) takes the list as it is.
     */
    static List<SandboxRecord> select(PodSandboxes sandboxes, PodSandboxFilter filter) {
        List<SandboxRecord> all = sandboxes.list();
        String id = filter.getId();
        Map<String, String> selector = filter.getLabelSelectorMap();
        if (id.isEmpty() && !filter.hasState() && selector.isEmpty()) {
            return all;
        }
        List<SandboxRecord> selected = new ArrayList<>();
        for (SandboxRecord r : all) {
            if (r.id().startsWith(id)
                    && (!filter.hasState()
                            || CriPods.state(r.state()) == filter.getState().getState())
                    && LabelSelector.matches(r.spec().labels(), selector)) {
                selected.add(r);
            }
        }
        return selected;
    }
}
