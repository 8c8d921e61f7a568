package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListContainersResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.LabelSelector;
import dev.jcri.server.rpc.ListAnswers;
import dev.jcri.server.rpc.ListItems;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** ListContainers: all, or those matching the filter's ID (or prefix), pod, state and labels. */
public final class ListContainersRpc implements CriCall.Handler<ListContainersRequest, ListContainersResponse> {
    private final Containers containers;
    private final ListItems<ContainerRecord, Container> items = new ListItems<>(CriContainers::toListItem);
    private final ListAnswers<ContainerFilter, ContainerRecord, ListContainersResponse> answers = new ListAnswers<>(
            ContainerFilter.getDefaultInstance(),
            records -> ListContainersResponse.newBuilder()
                    .addAllContainers(items.of(records))
                    .build());

    public ListContainersRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public ListContainersResponse handle(ListContainersRequest request) {
        return answers.of(request.getFilter(), select(containers, request.getFilter()));
    }

    /**
     * Filters are ANDed; a filter that matches nothing gives an empty list, not an error. A loop, not a stream:
     * this runs on every poll, and an empty filter (kubelet's relist) takes the list as it is.
     */
    static List<ContainerRecord> select(Containers containers, ContainerFilter filter) {
        List<ContainerRecord> all = containers.list();
        String id = filter.getId();
        String sandboxId = filter.getPodSandboxId();
        Map<String, String> selector = filter.getLabelSelectorMap();
        if (id.isEmpty() && sandboxId.isEmpty() && !filter.hasState() && selector.isEmpty()) {
            return all;
        }
        List<ContainerRecord> selected = new ArrayList<>();
        for (ContainerRecord r : all) {
            if (r.id().startsWith(id)
                    && r.sandboxId().startsWith(sandboxId)
                    && (!filter.hasState()
                            || CriContainers.state(r) == filter.getState().getState())
                    && LabelSelector.matches(r.spec().labels(), selector)) {
                selected.add(r);
            }
        }
        return selected;
    }
}
