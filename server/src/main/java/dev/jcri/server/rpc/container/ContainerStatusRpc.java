package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ContainerStatusResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.call.RpcErrors;
import dev.jcri.server.rpc.WeakIdentityMap;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** ContainerStatus: state, times, exit code and reason; with verbose, the PID and the sandbox. */
public final class ContainerStatusRpc implements CriCall.Handler<ContainerStatusRequest, ContainerStatusResponse> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Containers containers;

    /**
     * The answer to a plain (not verbose) request per record object: the same message while the record is the same
     * object (records are immutable; a change replaces them), so the transport sends the bytes it kept for it
     * ({@code grpc.EncodedResponses}): kubelet asks for every container's status each time it syncs its pod.
     */
    private final WeakIdentityMap<ContainerRecord, ContainerStatusResponse> answers = new WeakIdentityMap<>();

    public ContainerStatusRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public ContainerStatusResponse handle(ContainerStatusRequest request) throws IOException {
        String id = CriContainers.requiredId(request.getContainerId());
        ContainerRecord record =
                containers.find(id).orElseThrow(() -> RpcErrors.notFound("container " + id + " not found"));
        if (!request.getVerbose()) {
            return answers.computeIfAbsent(
                    record,
                    r -> ContainerStatusResponse.newBuilder()
                            .setStatus(CriContainers.toStatus(r))
                            .build());
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("pid", record.pid());
        info.put("sandboxID", record.sandboxId());
        info.put("name", record.name());
        info.put("runtimeHandler", record.runtimeHandler());
        Optional<String> spec = containers.runtimeSpec(record.id());
        if (spec.isPresent()) {
            info.put("runtimeSpec", JSON.readTree(spec.get()));
        }
        return ContainerStatusResponse.newBuilder()
                .setStatus(CriContainers.toStatus(record))
                .putInfo("info", JSON.writeValueAsString(info))
                .build();
    }
}
