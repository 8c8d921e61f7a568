package dev.jcri.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Responses of the list RPCs encoded once per message object: the handlers hand out the very same answer while
 * nothing it lists has changed ({@code rpc.ListAnswers}), and its bytes are sent again instead of protobuf walking
 * every item's labels and annotations each call (a fifth of a ListPodSandbox call's CPU with 30 pods). A message is
 * immutable, so the bytes kept for an object are always its encoding; an answer built anew is another object and is
 * encoded anew.
 */
final class EncodedResponses {
    /** Answers kept per method: one per filter a client alternates between; more only cost an encoding. */
    static final int KEPT = 4;

    private EncodedResponses() {}

    /** The service, with these methods' responses sent from bytes kept per message object. */
    static ServerServiceDefinition of(ServerServiceDefinition service, Set<String> methods) {
        ServiceDescriptor original = service.getServiceDescriptor();
        List<ServerMethodDefinition<?, ?>> definitions = new ArrayList<>();
        ServiceDescriptor.Builder descriptor =
                ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> definition =
                    methods.contains(method.getMethodDescriptor().getFullMethodName()) ? encodedOnce(method) : method;
            definitions.add(definition);
            descriptor.addMethod(definition.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(descriptor.build());
        definitions.forEach(rebuilt::addMethod);
        return rebuilt.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> encodedOnce(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
        return ServerMethodDefinition.create(
                descriptor.toBuilder()
                        .setResponseMarshaller(new Marshaller<>(descriptor.getResponseMarshaller()))
                        .build(),
                method.getServerCallHandler());
    }

    /** The message's own marshaller for requests and for messages it does not know; kept bytes for the rest. */
    static final class Marshaller<R> implements MethodDescriptor.Marshaller<R> {
        private record Kept(Object message, byte[] bytes) {}

        private final MethodDescriptor.Marshaller<R> proto;
        // Most recent first; replaced as a whole, so readers on any thread see a consistent array.
        private volatile Kept[] kept = new Kept[0];

        Marshaller(MethodDescriptor.Marshaller<R> proto) {
            this.proto = proto;
        }

        @Override
        public InputStream stream(R value) {
            if (!(value instanceof MessageLite message)) {
                return proto.stream(value);
            }
            Kept[] now = kept;
            for (Kept k : now) {
                if (k.message() == value) {
                    return new Encoded(k.bytes());
                }
            }
            byte[] bytes = message.toByteArray();
            Kept[] next = new Kept[Math.min(KEPT, now.length + 1)];
            next[0] = new Kept(value, bytes);
            System.arraycopy(now, 0, next, 1, next.length - 1);
            kept = next;
            return new Encoded(bytes);
        }

        @Override
        public R parse(InputStream stream) {
            return proto.parse(stream);
        }
    }

    /** Bytes gRPC can size up front and drain straight into the transport's buffer. */
    private static final class Encoded extends ByteArrayInputStream implements Drainable, KnownLength {
        Encoded(byte[] bytes) {
            super(bytes);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}
