package dev.jcri.server.call;

import io.grpc.Status;

/** Told of every RPC as it completes (for metrics). */
@FunctionalInterface
public interface RpcObserver {
    RpcObserver NONE = (rpc, code, nanos) -> {};

    void completed(String rpc, Status.Code code, long nanos);
}
