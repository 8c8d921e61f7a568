package dev.jcri.server.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.server.rpc.WeakIdentityMap;
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
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Responses of the list RPCs and ContainerStatus encoded once per message object: the handlers hand out the very
 * same answer while nothing it shows has changed ({@code rpc.ListAnswers}, {@code rpc.WeakIdentityMap}), and its
 * bytes are sent again instead of protobuf walking every item's labels and annotations each call (a fifth of a
 * ListPodSandbox call's CPU with 30 pods). A message is immutable, so the bytes kept for an object are always its
 * encoding; an answer built anew is another object and is encoded anew. Encoding to an array and copying it costs
 * no more than protobuf's stream, which encodes into a buffer of its own and copies that.
 */
final class EncodedResponses {
    private EncodedResponses() {}

    /**
     * The service, with these methods' responses sent from bytes kept per message object, and PodSandboxStatus's
     * status from bytes kept per status object ({@link KeptLeadingField}).
     */
    static ServerServiceDefinition of(ServerServiceDefinition service, Set<String> methods) {
        ServiceDescriptor original = service.getServiceDescriptor();
        List<ServerMethodDefinition<?, ?>> definitions = new ArrayList<>();
        ServiceDescriptor.Builder descriptor =
                ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            String name = method.getMethodDescriptor().getFullMethodName();
            ServerMethodDefinition<?, ?> definition = methods.contains(name)
                    ? encodedOnce(method)
                    : name.equals(POD_SANDBOX_STATUS) ? podSandboxStatus(method) : method;
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

    private static final String POD_SANDBOX_STATUS =
            RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName();

    @SuppressWarnings("unchecked")
    private static ServerMethodDefinition<?, ?> podSandboxStatus(ServerMethodDefinition<?, ?> method) {
        var typed = (ServerMethodDefinition<PodSandboxStatusRequest, PodSandboxStatusResponse>) method;
        MethodDescriptor<PodSandboxStatusRequest, PodSandboxStatusResponse> descriptor = typed.getMethodDescriptor();
        return ServerMethodDefinition.create(
                descriptor.toBuilder()
                        .setResponseMarshaller(new KeptLeadingField<>(
                                descriptor.getResponseMarshaller(),
                                PodSandboxStatusResponse.STATUS_FIELD_NUMBER,
                                r -> r.hasStatus() ? r.getStatus() : null,
                                r -> r.toBuilder().clearStatus().build()))
                        .build(),
                typed.getServerCallHandler());
    }

    /**
     * The message's own marshaller for requests; for responses, the bytes kept for each message object for as long
     * as that object lives (the handler keeps the answers it hands out again; one it built for a single call is
     * garbage after it, and its bytes go with it).
     */
    static final class Marshaller<R> implements MethodDescriptor.Marshaller<R> {
        private final MethodDescriptor.Marshaller<R> proto;
        private final WeakIdentityMap<MessageLite, byte[]> encoded = new WeakIdentityMap<>();

        Marshaller(MethodDescriptor.Marshaller<R> proto) {
            this.proto = proto;
        }

        @Override
        public InputStream stream(R value) {
            if (!(value instanceof MessageLite message)) {
                return proto.stream(value);
            }
            return new Encoded(encoded.computeIfAbsent(message, MessageLite::toByteArray));
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

    /**
     * A response whose leading field, a status message the handler keeps per record, is sent from bytes kept per
     * status object, and the rest (PodSandboxStatus's timestamp, new every call) is encoded anew. A message's
     * encoding is the concatenation of its fields' encodings, in any order, so the kept field's bytes followed by
     * the encoding of the response without that field are an encoding of the response.
     */
    static final class KeptLeadingField<R extends MessageLite> implements MethodDescriptor.Marshaller<R> {
        private final MethodDescriptor.Marshaller<R> proto;
        private final int fieldNumber;
        private final Function<R, MessageLite> field;
        private final UnaryOperator<R> rest;
        private final WeakIdentityMap<MessageLite, byte[]> encoded = new WeakIdentityMap<>();

        /**
         * @param field the kept field's message in a response, null when the response does not have it
         * @param rest the response without that field
         */
        KeptLeadingField(
                MethodDescriptor.Marshaller<R> proto,
                int fieldNumber,
                Function<R, MessageLite> field,
                UnaryOperator<R> rest) {
            this.proto = proto;
            this.fieldNumber = fieldNumber;
            this.field = field;
            this.rest = rest;
        }

        @Override
        public InputStream stream(R value) {
            MessageLite kept = field.apply(value);
            if (kept == null) {
                return proto.stream(value);
            }
            byte[] head = encoded.computeIfAbsent(kept, this::fieldBytes);
            byte[] tail = rest.apply(value).toByteArray();
            byte[] all = Arrays.copyOf(head, head.length + tail.length);
            System.arraycopy(tail, 0, all, head.length, tail.length);
            return new Encoded(all);
        }

        private byte[] fieldBytes(MessageLite message) {
            byte[] bytes = new byte[CodedOutputStream.computeMessageSize(fieldNumber, message)];
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            try {
                out.writeMessage(fieldNumber, message);
                out.checkNoSpaceLeft();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes;
        }

        @Override
        public R parse(InputStream stream) {
            return proto.parse(stream);
        }

        /** Field messages kept, for tests. */
        int kept() {
            return encoded.size();
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
