package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.AttachResponse;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.streaming.StreamingServer;
import dev.jcri.server.streaming.request.StreamRequest;

/**
 * Attach: returns the URL through which a client reaches the running container's own stdio. Stdin is only
 * there for a container created with {@code stdin}.
 */
public final class AttachRpc implements CriCall.Handler<AttachRequest, AttachResponse> {
    private final Containers containers;
    private final StreamingServer streaming;

    public AttachRpc(Containers containers, StreamingServer streaming) {
        this.containers = containers;
        this.streaming = streaming;
    }

    @Override
    public AttachResponse handle(AttachRequest request) throws Exception {
        String id = CriContainers.requiredId(request.getContainerId());
        CriContainers.requireStreams(request.getStdin(), request.getStdout(), request.getStderr(), request.getTty());
        ContainerRecord container = containers.requireRunning(id);
        if (request.getStdin() && !container.spec().stdin()) {
            throw new IllegalStateException(
                    "container " + container.id() + " was created without stdin; attach with stdin is not possible");
        }
        // The flags say which streams the client opens; the container's own tty decides what conmon sends.
        String url = streaming.urlFor(new StreamRequest.Attach(
                container.id(), request.getTty(), request.getStdin(), request.getStdout(), request.getStderr()));
        return AttachResponse.newBuilder().setUrl(url).build();
    }
}
