package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListContainersResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.LabelSelector;
import dev.jcri.server.rpc.ListItems;
import java.util.List;

/** ListContainers: all, or those matching the filter's ID (or prefix), pod, state and labels. */
public final class ListContainersRpc implements CriCall.Handler<ListContainersRequest, ListContainersResponse> {
    private final Containers containers;
    private final ListItems<ContainerRecord, Container> items = new ListItems<>(CriContainers::toListItem);

    public ListContainersRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public ListContainersResponse handle(ListContainersRequest request) {
        return ListContainersResponse.newBuilder()
                .addAllContainers(items.of(select(containers, request.getFilter())))
                .build();
    }

    /** Filters are ANDed; a filter that matches nothing gives an empty list, not an error. */
    static List<ContainerRecord> select(Containers containers, ContainerFilter filter) {
        return containers.list().stream()
                .filter(r -> filter.getId().isEmpty() || r.id().startsWith(filter.getId()))
                .filter(r -> filter.getPodSandboxId().isEmpty() || r.sandboxId().startsWith(filter.getPodSandboxId()))
                .filter(r -> !filter.hasState()
                        || CriContainers.state(r) == filter.getState().getState())
                .filter(r -> LabelSelector.matches(r.spec().labels(), filter.getLabelSelectorMap()))
                .toList();
    }
}
