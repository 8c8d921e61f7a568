package dev.jcri.server.grpc;

import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Which thread runs a call: the reads kubelet polls every second for every pod, which answer from records held in
 * memory (their stores' monitors are never held across disk work), run on the Netty event loop that read them, so
 * that the call costs no hand-off to a virtual thread and back; every other call gets a virtual thread of its own.
 *
 * <p>A method belongs here only if no request to it can block: no disk or process work, no lock that a writer holds
 * across I/O. Image reads do not qualify (the image store holds its lock across fsyncs), nor Status (it probes
 * files). The one exception is ContainerStatus with {@code verbose}, which reads the container's config.json
 * (crictl inspect, not kubelet), a small file under the state directory.
 */
final class TransportThreadReads implements ServerCallExecutorSupplier {
    static final Set<String> METHODS = Set.of(
            RuntimeServiceGrpc.getVersionMethod().getFullMethodName(),
            RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
            RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName(),
            RuntimeServiceGrpc.getListContainersMethod().getFullMethodName(),
            RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName());

    private final Executor everythingElse;

    TransportThreadReads(Executor everythingElse) {
        this.everythingElse = everythingElse;
    }

    /** Null (the server's direct executor: the transport thread) for the in-memory reads. */
    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        return METHODS.contains(call.getMethodDescriptor().getFullMethodName()) ? null : everythingElse;
    }
}
