package dev.jcri.server.call;

import dev.jcri.cni.CniException;
import dev.jcri.cni.CniPluginException;
import dev.jcri.image.distribution.NoMatchingPlatformException;
import dev.jcri.image.distribution.RegistryException;
import dev.jcri.image.registryconfig.BlockedRegistryException;
import dev.jcri.image.unpack.InvalidLayerException;
import dev.jcri.image.unpack.UnsafeLayerException;
import dev.jcri.sandbox.NotFoundException;
import dev.jcri.sandbox.RecordStore;
import dev.jcri.sandbox.cgroup.SystemdUnavailableException;
import dev.jcri.sandbox.container.CheckpointTimeoutException;
import dev.jcri.sandbox.container.ContainerCreateException;
import dev.jcri.server.streaming.request.StreamTokens;
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
            // First: a full disk surfaces inside unpack, record and download failures alike.
            case Throwable t
            when diskFull(t) ->
                Status.RESOURCE_EXHAUSTED
                        .withDescription("no space left on the node's disk: " + t.getMessage())
                        .withCause(t);
            case RegistryException e -> registryStatus(e.kind()).withDescription(e.getMessage());
            case NoMatchingPlatformException e -> Status.NOT_FOUND.withDescription(e.getMessage());
            case BlockedRegistryException e -> Status.PERMISSION_DENIED.withDescription(e.getMessage());
            case UnsafeLayerException e -> Status.PERMISSION_DENIED.withDescription(e.getMessage());
            case InvalidLayerException e -> Status.DATA_LOSS.withDescription(e.getMessage());
            case NotFoundException e -> Status.NOT_FOUND.withDescription(e.getMessage());
            case SystemdUnavailableException e -> Status.UNAVAILABLE.withDescription(e.getMessage());
            case ContainerCreateException e -> Status.INTERNAL.withDescription(e.getMessage());
            case CheckpointTimeoutException e -> Status.DEADLINE_EXCEEDED.withDescription(e.getMessage());
            case RecordStore.NameTakenException e -> Status.ALREADY_EXISTS.withDescription(e.getMessage());
            case CniPluginException e -> Status.INTERNAL.withDescription(e.getMessage());
            case CniException e -> Status.FAILED_PRECONDITION.withDescription(e.getMessage());
            case StreamTokens.TooManyPending e -> Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
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

    /** ENOSPC or EDQUOT anywhere in the chain: the node is out of disk (or quota), not jcri broken. */
    static boolean diskFull(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
                return true;
            }
        }
        return false;
    }

    private static Status registryStatus(RegistryException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case UNAUTHORIZED -> Status.UNAUTHENTICATED;
            case DENIED -> Status.PERMISSION_DENIED;
            case RATE_LIMITED -> Status.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case BAD_CONTENT -> Status.DATA_LOSS;
            case PROTOCOL -> Status.UNKNOWN;
        };
    }

    public static io.grpc.StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
}
