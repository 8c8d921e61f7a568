package dev.jcri.server.grpc;

import io.grpc.Status;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps domain failures to gRPC status codes, in one place so that every RPC answers alike: bad input is
 * INVALID_ARGUMENT, unknown objects NOT_FOUND, wrong states FAILED_PRECONDITION; only real faults are INTERNAL.
 */
public final class RpcErrors {
    private static final Logger log = LoggerFactory.getLogger(RpcErrors.class);

    private RpcErrors() {}

    public static Status toStatus(Throwable failure) {
        return switch (failure) {
            case IllegalArgumentException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
            case IllegalStateException e -> Status.FAILED_PRECONDITION.withDescription(e.getMessage());
            case UnsupportedOperationException e -> Status.UNIMPLEMENTED.withDescription(e.getMessage());
            case IOException e -> {
                log.debug("rpc failed on I/O", e);
                yield Status.INTERNAL.withDescription(e.getMessage()).withCause(e);
            }
            default -> {
                log.warn("unexpected failure", failure);
                yield Status.INTERNAL.withDescription(String.valueOf(failure)).withCause(failure);
            }
        };
    }

    public static io.grpc.StatusRuntimeException invalidArgument(String field, String problem) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + problem).asRuntimeException();
    }

    public static io.grpc.StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
}
