package dev.jcri.server.rpc.container;

import dev.jcri.cri.v1.ContainerEventResponse;
import dev.jcri.cri.v1.ContainerEventType;
import dev.jcri.cri.v1.GetEventsRequest;
import dev.jcri.sandbox.container.ContainerEvents;
import dev.jcri.sandbox.container.Containers;
import dev.jcri.sandbox.pod.PodSandboxes;
import dev.jcri.server.rpc.pod.CriPods;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * GetContainerEvents: a stream of container lifecycle events for kubelet's evented PLEG, each with the pod's
 * status and its containers' statuses at that moment. Several subscribers may listen; each has its own bounded
 * queue, so a slow one only loses its own events.
 */
public final class GetContainerEventsRpc {
    private final Containers containers;
    private final PodSandboxes sandboxes;

    public GetContainerEventsRpc(Containers containers, PodSandboxes sandboxes) {
        this.containers = containers;
        this.sandboxes = sandboxes;
    }

    public void handle(GetEventsRequest request, StreamObserver<ContainerEventResponse> responses)
            throws InterruptedException {
        ServerCallStreamObserver<ContainerEventResponse> call =
                (ServerCallStreamObserver<ContainerEventResponse>) responses;
        BlockingQueue<ContainerEvents.Event> queue = containers.events().subscribe();
        Thread subscriber = Thread.currentThread();
        call.setOnCancelHandler(subscriber::interrupt);
        try {
            while (!call.isCancelled() && !containers.events().isClosed()) {
                ContainerEvents.Event event = queue.poll(1, TimeUnit.SECONDS);
                if (event != null) {
                    responses.onNext(toCri(event));
                }
            }
            if (!call.isCancelled()) {
                responses.onCompleted();
            }
        } catch (InterruptedException e) {
            // The client went away.
        } finally {
            containers.events().unsubscribe(queue);
        }
    }

    private ContainerEventResponse toCri(ContainerEvents.Event event) {
        ContainerEventResponse.Builder response = ContainerEventResponse.newBuilder()
                .setContainerId(event.record().id())
                .setContainerEventType(
                        switch (event.type()) {
                            case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
                            case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
                            case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
                            case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
                        })
                .setCreatedAt(event.at());
        sandboxes.find(event.record().sandboxId()).ifPresent(s -> response.setPodSandboxStatus(CriPods.toStatus(s)));
        containers.list().stream()
                .filter(c -> c.sandboxId().equals(event.record().sandboxId()))
                .forEach(c -> response.addContainersStatuses(CriContainers.toStatus(c)));
        return response.build();
    }
}
