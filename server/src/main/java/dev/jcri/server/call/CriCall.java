package dev.jcri.server.call;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one CRI call, unary or server-streaming, through its handler and turns the outcome into exactly one
 * response (or stream) and one status. Every request is held to {@link RequestLimits} first, so no handler sees an
 * oversized one. The handlers know this class and not the transport that delivers the call.
 */
public final class CriCall {
    private static final Logger log = LoggerFactory.getLogger(CriCall.class);

    /** A handler for one RPC: validates, looks up, delegates to the domain, answers. */
    @FunctionalInterface
    public interface Handler<Q, R> {
        R handle(Q request) throws Exception;
    }

    /** A server-streaming handler: sends its messages and completes. */
    @FunctionalInterface
    public interface StreamHandler<Q, R> {
        void handle(Q request, StreamObserver<R> responses) throws Exception;
    }

    private CriCall() {}

    /** Runs a server-streaming handler; a failure before completion becomes the call's status. */
    public static <Q, R> void stream(Q request, StreamObserver<R> responses, StreamHandler<Q, R> handler) {
        RpcEvent event = RpcEvent.begin(request);
        try {
            checkLimits(request);
            handler.handle(request, responses);
            event.commit();
        } catch (StatusRuntimeException e) {
            responses.onError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            responses.onError(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
        } catch (Exception e) {
            responses.onError(RpcErrors.toStatus(e).asRuntimeException());
        } catch (Error e) {
            log.error("rpc handler failed", e);
            responses.onError(Status.INTERNAL.withDescription(String.valueOf(e)).asRuntimeException());
        }
    }

    /** Runs a unary handler: its answer, or the status its failure maps to. */
    public static <Q, R> void unary(Q request, StreamObserver<R> responses, Handler<Q, R> handler) {
        R response;
        RpcEvent event = RpcEvent.begin(request);
        try {
            checkLimits(request);
            response = handler.handle(request);
            event.commit();
        } catch (StatusRuntimeException e) {
            responses.onError(e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            responses.onError(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
            return;
        } catch (Exception e) {
            responses.onError(RpcErrors.toStatus(e).asRuntimeException());
            return;
        } catch (Error e) {
            log.error("rpc handler failed", e);
            responses.onError(Status.INTERNAL.withDescription(String.valueOf(e)).asRuntimeException());
            return;
        }
        responses.onNext(response);
        responses.onCompleted();
    }

    private static void checkLimits(Object request) {
        if (request instanceof Message message) {
            RequestLimits.check(message);
        }
    }
}
