package dev.jcri.server.rpc.pod;

import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.PortForwardResponse;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.sandbox.pod.SandboxRecord;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.streaming.StreamingServer;
import dev.jcri.server.streaming.request.StreamRequest;

/**
 * PortForward: returns the URL through which a client reaches ports on the pod's own loopback. The ports may be
 * left out (crictl does): the client then names them per connection; when given, only they are forwarded.
 */
public final class PortForwardRpc implements CriCall.Handler<PortForwardRequest, PortForwardResponse> {
    private final PodSandboxes sandboxes;
    private final StreamingServer streaming;

    public PortForwardRpc(PodSandboxes sandboxes, StreamingServer streaming) {
        this.sandboxes = sandboxes;
        this.streaming = streaming;
    }

    @Override
    public PortForwardResponse handle(PortForwardRequest request) throws Exception {
        String id = PodIds.required(request.getPodSandboxId());
        for (int port : request.getPortList()) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " is not a TCP port");
            }
        }
        SandboxRecord sandbox = sandboxes.requireReady(id);
        String url = streaming.urlFor(new StreamRequest.PortForward(sandbox.id(), request.getPortList()));
        return PortForwardResponse.newBuilder().setUrl(url).build();
    }
}
