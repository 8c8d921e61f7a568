package dev.jcri.server.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;

/**
 * Keeps every error description short enough to travel. gRPC sends it percent-encoded in a trailer, and clients
 * refuse trailers past 8 KiB (gRPC's default), which they report as a broken call, not as the error: a message
 * that quotes a hostile request at length would hide what went wrong. Past {@link #MAX_ENCODED} bytes the
 * description is cut and says so.
 */
public final class StatusDescriptionLimit implements ServerInterceptor {
    /** Half of gRPC's default 8 KiB header list, leaving room for the other trailers. */
    static final int MAX_ENCODED = 4096;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(
                new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        super.close(bounded(status), trailers);
                    }
                },
                headers);
    }

    static Status bounded(Status status) {
        String description = status.getDescription();
        if (description == null) {
            return status;
        }
        String cut = cut(description);
        return cut.equals(description) ? status : status.withDescription(cut);
    }

    /** The longest prefix whose percent-encoded form fits, plus a note of what was dropped. */
    static String cut(String description) {
        int size = 0;
        for (int i = 0; i < description.length(); ) {
            int codePoint = description.codePointAt(i);
            // gRPC leaves printable ASCII but '%' as it is and sends every other byte as %XX.
            size += codePoint >= 0x20 && codePoint < 0x7f && codePoint != '%'
                    ? 1
                    : 3 * new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (size > MAX_ENCODED - 64) {
                return description.substring(0, i) + "... (cut; " + description.length() + " characters in all)";
            }
            i += Character.charCount(codePoint);
        }
        return description;
    }
}
