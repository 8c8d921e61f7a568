package dev.jcri.server.call;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Function;

/**
 * The Stream* list RPCs: the same items as their List twin, sent in messages of at most {@link #BATCH} items, so a
 * node with many objects never hits the message size limit.
 */
public final class StreamBatches {
    public static final int BATCH = 500;

    private StreamBatches() {}

    public static <T, R> void send(List<T> items, Function<List<T>, R> message, StreamObserver<R> responses) {
        for (int from = 0; from < items.size(); from += BATCH) {
            responses.onNext(message.apply(items.subList(from, Math.min(items.size(), from + BATCH))));
        }
        responses.onCompleted();
    }
}
