package dev.jcri.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.jcri.server.call.RpcObserver;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests whose bytes are no valid message of their type (truncated, garbage, a string field holding invalid
 * UTF-8) answer INVALID_ARGUMENT. gRPC parses a request before any interceptor sees it and would answer UNKNOWN
 * with a stack trace in the log; so the service takes its requests as bytes, and they are parsed here, inside a
 * listener that can answer.
 */
public final class MalformedRequests implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger("rpc");

    private final RpcObserver observer;

    private MalformedRequests(RpcObserver observer) {
        this.observer = observer;
    }

    /** The service, its requests parsed under this guard. */
    public static ServerServiceDefinition guard(ServerServiceDefinition service, RpcObserver observer) {
        return ServerInterceptors.intercept(
                ServerInterceptors.useMarshalledMessages(service, AsStream.INSTANCE, AsStream.INSTANCE),
                new MalformedRequests(observer));
    }

    /**
     * Messages as the streams they come and go as, untouched. Unlike {@code useInputStreamMessages}, which buffers
     * each response a second time, a response stays protobuf's own stream, which gRPC writes straight into the
     * transport's buffer: a large part of a list call's CPU was those copies.
     */
    private enum AsStream implements MethodDescriptor.Marshaller<InputStream> {
        INSTANCE;

        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream;
        }
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (StatusRuntimeException e) {
                    if (!(e.getCause() instanceof InvalidProtocolBufferException invalid)) {
                        throw e;
                    }
                    refused = true;
                    String rpc = call.getMethodDescriptor().getBareMethodName();
                    Status status = Status.INVALID_ARGUMENT.withDescription(
                            "the request is no valid " + rpc + " request: " + invalid.getMessage());
                    observer.completed(rpc, status.getCode(), System.nanoTime() - start);
                    log.warn(
                            "rpc={} code={} msg=\"{}\"",
                            rpc,
                            status.getCode(),
                            RpcLogInterceptor.oneLine(status.getDescription()));
                    call.close(status, new Metadata());
                }
            }

            @Override
            public void onHalfClose() {
                // A refused call has no request for its handler: it must not run.
                if (!refused) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (!refused) {
                    super.onReady();
                }
            }
        };
    }
}
