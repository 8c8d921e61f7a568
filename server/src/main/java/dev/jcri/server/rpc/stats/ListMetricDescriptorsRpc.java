package dev.jcri.server.rpc.stats;

import dev.jcri.cri.v1.ListMetricDescriptorsRequest;
import dev.jcri.cri.v1.ListMetricDescriptorsResponse;
import dev.jcri.server.call.CriCall;

/** ListMetricDescriptors: the names, help and label keys of what ListPodSandboxMetrics reports. */
public final class ListMetricDescriptorsRpc
        implements CriCall.Handler<ListMetricDescriptorsRequest, ListMetricDescriptorsResponse> {

    @Override
    public ListMetricDescriptorsResponse handle(ListMetricDescriptorsRequest request) {
        return ListMetricDescriptorsResponse.newBuilder()
                .addAllDescriptors(CadvisorMetrics.descriptors())
                .build();
    }
}
