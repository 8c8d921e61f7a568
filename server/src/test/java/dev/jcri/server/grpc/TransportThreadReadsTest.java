package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class TransportThreadReadsTest {
    private final Executor virtualThreads = Runnable::run;
    private final TransportThreadReads reads = new TransportThreadReads(virtualThreads);

    @Test
    void thePolledInMemoryReadsStayOnTheTransportThread() {
        assertNull(reads.getExecutor(call(RuntimeServiceGrpc.getListContainersMethod()), new Metadata()));
        assertNull(reads.getExecutor(call(ImageServiceGrpc.getImageStatusMethod()), new Metadata()));
        assertEquals(7, TransportThreadReads.METHODS.size());
    }

    @Test
    void everythingElseGetsAVirtualThread() {
        assertSame(
                virtualThreads, reads.getExecutor(call(RuntimeServiceGrpc.getRunPodSandboxMethod()), new Metadata()));
        assertSame(virtualThreads, reads.getExecutor(call(RuntimeServiceGrpc.getStatusMethod()), new Metadata()));
        assertSame(virtualThreads, reads.getExecutor(call(ImageServiceGrpc.getPullImageMethod()), new Metadata()));
        assertSame(virtualThreads, reads.getExecutor(call(ImageServiceGrpc.getImageFsInfoMethod()), new Metadata()));
    }

    private static <Q, R> ServerCall<Q, R> call(MethodDescriptor<Q, R> method) {
        return new ServerCall<>() {
            @Override
            public void request(int numMessages) {}

            @Override
            public void sendHeaders(Metadata headers) {}

            @Override
            public void sendMessage(R message) {}

            @Override
            public void close(Status status, Metadata trailers) {}

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public Attributes getAttributes() {
                return Attributes.EMPTY;
            }

            @Override
            public MethodDescriptor<Q, R> getMethodDescriptor() {
                return method;
            }
        };
    }
}
