package dev.jcri.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.jcri.sandbox.pod.QuotedText;
import dev.jcri.server.call.RpcObserver;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per RPC: debug when it succeeds, warn when it fails, naming the RPC and the object it was about; and
 * the RPC's code and duration to the metrics.
 *
 * <p>Only IDs and image names are logged, never whole requests: a PullImage request carries registry credentials.
 */
public final class RpcLogInterceptor implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger("rpc");
    private static final List<String> OBJECT_FIELDS = List.of("pod_sandbox_id", "container_id", "image");

    private final RpcObserver observer;

    public RpcLogInterceptor(RpcObserver observer) {
        this.observer = observer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String rpc = call.getMethodDescriptor().getBareMethodName();
        long start = System.nanoTime();
        // The request, described only when a line is written: most calls succeed with debug off, and the
        // description (descriptor lookups) and the formatted duration were a visible part of a read RPC's CPU.
        Message[] request = {null};
        ServerCall<Q, R> logged = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                long nanos = System.nanoTime() - start;
                observer.completed(rpc, status.getCode(), nanos);
                if (status.isOk()) {
                    if (log.isDebugEnabled()) {
                        log.debug("rpc={}{} code=OK duration_ms={}", rpc, describeObject(request[0]), millis(nanos));
                    }
                } else {
                    log.warn(
                            "rpc={}{} code={} duration_ms={} msg=\"{}\"",
                            rpc,
                            describeObject(request[0]),
                            status.getCode(),
                            millis(nanos),
                            oneLine(status.getDescription()));
                }
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(logged, headers)) {
            @Override
            public void onMessage(Q message) {
                if (message instanceof Message proto) {
                    request[0] = proto;
                }
                super.onMessage(message);
            }
        };
    }

    private static String millis(long nanos) {
        return String.format("%.3f", nanos / 1e6);
    }

    static String describeObject(Message request) {
        if (request == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String name : OBJECT_FIELDS) {
            FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
            if (field == null || field.isRepeated()) {
                continue;
            }
            Object value = request.getField(field);
            if (value instanceof Message spec) {
                FieldDescriptor image = spec.getDescriptorForType().findFieldByName("image");
                value = image != null ? spec.getField(image) : "";
            }
            if (value instanceof String s && !s.isEmpty()) {
                // Quoted (escaped, cut) only when it is not a plain token: a hostile ID must not forge log lines.
                String shown = s.length() <= 256 && s.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '"')
                        ? s
                        : QuotedText.of(s);
                out.append(' ')
                        .append(name.equals("image") ? "image" : "id")
                        .append('=')
                        .append(shown);
            }
        }
        return out.toString();
    }

    /** A description as one log line: control characters escaped, so it cannot pose as lines of its own. */
    static String oneLine(String description) {
        if (description == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(description.length());
        for (int i = 0; i < description.length(); i++) {
            char c = description.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> {
                    if (Character.isISOControl(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
