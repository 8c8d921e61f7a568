package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.streaming.StreamingServer;
import dev.jcri.server.streaming.request.StreamRequest;

/**
 * Exec: returns the URL of a streamed exec; the command starts when the client connects to it. Checked here,
 * before a URL is handed out: the container exists and runs, and the stdio flags make sense.
 */
public final class ExecRpc implements CriCall.Handler<ExecRequest, ExecResponse> {
    private final Containers containers;
    private final StreamingServer streaming;

    public ExecRpc(Containers containers, StreamingServer streaming) {
        this.containers = containers;
        this.streaming = streaming;
    }

    @Override
    public ExecResponse handle(ExecRequest request) throws Exception {
        String id = CriContainers.requiredId(request.getContainerId());
        if (request.getCmdCount() == 0) {
            throw new IllegalArgumentException("cmd: required");
        }
        CriContainers.noNul("cmd", request.getCmdList());
        CriContainers.requireStreams(request.getStdin(), request.getStdout(), request.getStderr(), request.getTty());
        ContainerRecord container = containers.requireRunning(id);
        String url = streaming.urlFor(new StreamRequest.Exec(
                container.id(),
                request.getCmdList(),
                request.getTty(),
                request.getStdin(),
                request.getStdout(),
                request.getStderr()));
        return ExecResponse.newBuilder().setUrl(url).build();
    }
}
