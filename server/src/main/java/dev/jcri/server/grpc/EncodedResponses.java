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
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Responses of the list RPCs encoded once per message object: the handlers hand out the very same answer while
 * nothing it lists has changed ({@code rpc.ListAnswers}), and its bytes are sent again instead of protobuf walking
 * every item's labels and annotations each call (a fifth of a ListPodSandbox call's CPU with 30 pods). A message is
 * immutable, so the bytes kept for an object are always its encoding; an answer built anew is another object and is
 * encoded anew. Encoding to an array and copying it costs no more than protobuf's stream, which encodes into a
 * buffer of its own and copies that.
 */
final class EncodedResponses {
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

    /**
     * The message's own marshaller for requests; for responses, the bytes kept for each message object for as long
     * as that object lives (the handler keeps the answers it hands out again; one it built for a single call is
     * garbage after it, and its bytes go with it).
     */
    static final class Marshaller<R> implements MethodDescriptor.Marshaller<R> {
        private final MethodDescriptor.Marshaller<R> proto;
        private final Map<Object, byte[]> encoded = new ConcurrentHashMap<>();
        private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

        Marshaller(MethodDescriptor.Marshaller<R> proto) {
            this.proto = proto;
        }

        @Override
        public InputStream stream(R value) {
            if (!(value instanceof MessageLite message)) {
                return proto.stream(value);
            }
            for (Reference<?> gone; (gone = collected.poll()) != null; ) {
                encoded.remove(gone);
            }
            byte[] bytes = encoded.get(new Probe(value));
            if (bytes == null) {
                bytes = message.toByteArray();
                encoded.put(new WeakKey(value, collected), bytes);
            }
            return new Encoded(bytes);
        }

        @Override
        public R parse(InputStream stream) {
            return proto.parse(stream);
        }

        /** Messages kept, for tests. */
        int kept() {
            return encoded.size();
        }
    }

    /** A message as a map key by identity, not holding it: equal messages that are other objects are other keys. */
    private static final class WeakKey extends WeakReference<Object> {
        private final int hash;

        WeakKey(Object message, ReferenceQueue<Object> queue) {
            super(message, queue);
            this.hash = System.identityHashCode(message);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            Object message = get();
            return other == this
                    || message != null
                            && (other instanceof WeakKey key && key.get() == message
                                    || other instanceof Probe probe && probe.message() == message);
        }
    }

    /** A lookup by identity, without a reference object per call. */
    private record Probe(Object message) {
        @Override
        public int hashCode() {
            return System.identityHashCode(message);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof WeakKey key && key.get() == message
                    || other instanceof Probe probe && probe.message == message;
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
