package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.PodSandboxStatus;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.sandbox.EpochNanos;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.call.RpcErrors;
import dev.jcri.server.rpc.WeakIdentityMap;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** PodSandboxStatus: the sandbox's state, network and namespaces; with verbose, jcri's record of it. */
public final class PodSandboxStatusRpc implements CriCall.Handler<PodSandboxStatusRequest, PodSandboxStatusResponse> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PodSandboxes sandboxes;

    /**
     * The status per record object: the same message while the record is the same object (records are immutable),
     * so the transport sends the bytes it kept for it and encodes only the timestamp ({@code grpc.EncodedResponses}).
     */
    private final WeakIdentityMap<SandboxRecord, PodSandboxStatus> statuses = new WeakIdentityMap<>();

    public PodSandboxStatusRpc(PodSandboxes sandboxes) {
        this.sandboxes = sandboxes;
    }

    @Override
    public PodSandboxStatusResponse handle(PodSandboxStatusRequest request) {
        String id = PodIds.required(request.getPodSandboxId());
        SandboxRecord record =
                sandboxes.find(id).orElseThrow(() -> RpcErrors.notFound("pod sandbox " + id + " not found"));
        PodSandboxStatusResponse.Builder response = PodSandboxStatusResponse.newBuilder()
                .setStatus(statuses.computeIfAbsent(record, CriPods::toStatus))
                .setTimestamp(EpochNanos.now());
        if (request.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("id", record.id());
            info.put("name", record.name());
            info.put("state", record.state());
            info.put("netns", record.netns().orElse(""));
            info.put("cgroupParent", record.cgroupParent());
            info.put("shm", record.shm().orElse(""));
            info.put("ips", record.ips());
            info.put("runtimeHandler", record.runtimeHandler());
            response.putInfo("info", JSON.writeValueAsString(info));
        }
        return response.build();
    }
}
