package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ContainerStatusResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.call.RpcErrors;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/** ContainerStatus: state, times, exit code and reason; with verbose, the PID and the sandbox. */
public final class ContainerStatusRpc implements CriCall.Handler<ContainerStatusRequest, ContainerStatusResponse> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Containers containers;

    public ContainerStatusRpc(Containers containers) {
        this.containers = containers;
    }

    @Override
    public ContainerStatusResponse handle(ContainerStatusRequest request) throws IOException {
        String id = CriContainers.requiredId(request.getContainerId());
        ContainerRecord record =
                containers.find(id).orElseThrow(() -> RpcErrors.notFound("container " + id + " not found"));
        ContainerStatusResponse.Builder response =
                ContainerStatusResponse.newBuilder().setStatus(CriContainers.toStatus(record));
        if (request.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("pid", record.pid());
            info.put("sandboxID", record.sandboxId());
            info.put("name", record.name());
            info.put("runtimeHandler", record.runtimeHandler());
            Optional<String> spec = containers.runtimeSpec(record.id());
            if (spec.isPresent()) {
                info.put("runtimeSpec", JSON.readTree(spec.get()));
            }
            response.putInfo("info", JSON.writeValueAsString(info));
        }
        return response.build();
    }
}
