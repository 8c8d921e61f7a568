package dev.jcri.server.grpc;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Which thread runs a call: the reads kubelet polls every second for every pod, which answer from records held in
 * memory, run on the Netty event loop that read them, so that the call costs no hand-off to a virtual thread and
 * back; every other call gets a virtual thread of its own.
 *
 * <p>A method belongs here only if no request to it can block: no disk or process work, no lock that a writer holds
 * across I/O (the record stores' monitors never are; the image store's reads take no lock, they read the records it
 * publishes). Status does not qualify (it probes files), nor ImageFsInfo (it walks the store). The exceptions are
 * the {@code verbose} forms of ContainerStatus and ImageStatus (crictl inspect, not kubelet): they read one small
 * file from the state directory, the container's config.json or the image's config blob.
 */
final class TransportThreadReads implements ServerCallExecutorSupplier {
    static final Set<String> METHODS = Set.of(
            RuntimeServiceGrpc.getVersionMethod().getFullMethodName(),
            RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
            RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName(),
            RuntimeServiceGrpc.getListContainersMethod().getFullMethodName(),
            RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName(),
            ImageServiceGrpc.getListImagesMethod().getFullMethodName(),
            ImageServiceGrpc.getImageStatusMethod().getFullMethodName());

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
