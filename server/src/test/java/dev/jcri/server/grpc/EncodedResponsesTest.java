package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersResponse;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxNetworkStatus;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStatus;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.VersionResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The bytes sent for a kept answer are exactly what protobuf's own encoding of that message gives. */
class EncodedResponsesTest {
    private static PodSandbox pod(int i, PodSandboxState state) {
        return PodSandbox.newBuilder()
                .setId("%064x".formatted(i))
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName("pod-" + i)
                        .setNamespace("default")
                        .setUid("uid-" + i)
                        .setAttempt(i % 3))
                .setState(state)
                .setCreatedAt(1_765_000_000_000_000_000L + i)
                .putLabels("io.kubernetes.pod.name", "pod-" + i)
                .putLabels("io.kubernetes.pod.namespace", "default")
                .putLabels("app", "ünïcode-✓")
                .putAnnotations("kubernetes.io/config.source", "api")
                .putAnnotations("empty", "")
                .setRuntimeHandler(i % 2 == 0 ? "" : "runc")
                .build();
    }

    private static Container container(int i) {
        return Container.newBuilder()
                .setId("%064x".formatted(1000 + i))
                .setPodSandboxId("%064x".formatted(i))
                .setMetadata(ContainerMetadata.newBuilder().setName("app").setAttempt(i))
                .setImage(ImageSpec.newBuilder().setImage("registry.local/busybox:1"))
                .setImageRef("sha256:" + "ab".repeat(32))
                .setImageId("sha256:" + "ab".repeat(32))
                .setState(ContainerState.CONTAINER_RUNNING)
                .setCreatedAt(42L * i)
                .putLabels("io.kubernetes.container.name", "app")
                .putAnnotations("io.kubernetes.container.restartCount", Integer.toString(i))
                .build();
    }

    private static byte[] drained(InputStream stream) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int length = ((KnownLength) stream).available();
        assertEquals(length, ((Drainable) stream).drainTo(out));
        assertEquals(0, stream.available());
        return out.toByteArray();
    }

    private static <R> EncodedResponses.Marshaller<R> marshaller(MethodDescriptor<?, R> method) {
        return new EncodedResponses.Marshaller<>(method.getResponseMarshaller());
    }

    @Test
    void keptBytesAreTheMessagesOwnEncodingEveryTime() throws IOException {
        var pods = marshaller(RuntimeServiceGrpc.getListPodSandboxMethod());
        List<PodSandbox> all = IntStream.range(0, 30)
                .mapToObj(i -> pod(i, i % 4 == 0 ? PodSandboxState.SANDBOX_NOTREADY : PodSandboxState.SANDBOX_READY))
                .toList();
        // What the handler answers for no filter, for a state filter (a subset), and for a filter matching nothing.
        List<ListPodSandboxResponse> answers = List.of(
                ListPodSandboxResponse.newBuilder().addAllItems(all).build(),
                ListPodSandboxResponse.newBuilder()
                        .addAllItems(all.stream()
                                .filter(p -> p.getState() == PodSandboxState.SANDBOX_READY)
                                .toList())
                        .build(),
                ListPodSandboxResponse.newBuilder().addItems(all.get(7)).build(),
                ListPodSandboxResponse.getDefaultInstance(),
                ListPodSandboxResponse.newBuilder().build());
        for (int round = 0; round < 3; round++) {
            for (ListPodSandboxResponse answer : answers) {
                byte[] sent = drained(pods.stream(answer));
                assertArrayEquals(answer.toByteArray(), sent);
                assertEquals(answer, ListPodSandboxResponse.parseFrom(sent));
            }
        }
        assertEquals(0, drained(pods.stream(ListPodSandboxResponse.getDefaultInstance())).length);

        var containers = marshaller(RuntimeServiceGrpc.getListContainersMethod());
        ListContainersResponse list = ListContainersResponse.newBuilder()
                .addAllContainers(
                        IntStream.range(0, 30).mapToObj(i -> container(i)).toList())
                .build();
        for (int round = 0; round < 2; round++) {
            assertArrayEquals(list.toByteArray(), drained(containers.stream(list)));
            assertArrayEquals(new byte[0], drained(containers.stream(ListContainersResponse.getDefaultInstance())));
        }
    }

    @Test
    void anEqualMessageThatIsAnotherObjectIsEncodedAnew() throws IOException {
        var pods = marshaller(RuntimeServiceGrpc.getListPodSandboxMethod());
        ListPodSandboxResponse before = ListPodSandboxResponse.newBuilder()
                .addItems(pod(1, PodSandboxState.SANDBOX_READY))
                .build();
        ListPodSandboxResponse after = ListPodSandboxResponse.newBuilder()
                .addItems(pod(1, PodSandboxState.SANDBOX_NOTREADY))
                .build();
        assertArrayEquals(before.toByteArray(), drained(pods.stream(before)));
        assertArrayEquals(after.toByteArray(), drained(pods.stream(after)));
        assertArrayEquals(before.toByteArray(), drained(pods.stream(before)));
        for (int i = 0; i < 10; i++) {
            ListPodSandboxResponse other = ListPodSandboxResponse.newBuilder()
                    .addItems(pod(i, PodSandboxState.SANDBOX_READY))
                    .build();
            assertArrayEquals(other.toByteArray(), drained(pods.stream(other)));
        }
        assertArrayEquals(before.toByteArray(), drained(pods.stream(before)));
        // Requests still parse with the message's own marshaller.
        assertEquals(before, pods.parse(new java.io.ByteArrayInputStream(before.toByteArray())));
    }

    @Test
    void bytesGoWithTheirMessage() throws Exception {
        var pods = marshaller(RuntimeServiceGrpc.getListPodSandboxMethod());
        ListPodSandboxResponse kept = ListPodSandboxResponse.newBuilder()
                .addItems(pod(1, PodSandboxState.SANDBOX_READY))
                .build();
        drained(pods.stream(kept));
        for (int i = 0; i < 100; i++) {
            drained(pods.stream(ListPodSandboxResponse.newBuilder()
                    .addItems(pod(i, PodSandboxState.SANDBOX_READY))
                    .build()));
        }
        for (int tries = 0; tries < 50 && pods.kept() > 1; tries++) {
            System.gc();
            Thread.sleep(20);
            drained(pods.stream(kept));
        }
        assertEquals(1, pods.kept());
        assertArrayEquals(kept.toByteArray(), drained(pods.stream(kept)));
    }

    @Test
    void onlyTheNamedMethodsAreWrapped() {
        ServerServiceDefinition service = new RuntimeServiceGrpc.RuntimeServiceImplBase() {
            @Override
            public void version(dev.jcri.cri.v1.VersionRequest request, StreamObserver<VersionResponse> responses) {}
        }.bindService();
        ServerServiceDefinition wrapped = EncodedResponses.of(service, CriServer.ENCODED_ONCE);
        assertEquals(service.getMethods().size(), wrapped.getMethods().size());
        assertEquals(
                service.getServiceDescriptor().getName(),
                wrapped.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : wrapped.getMethods()) {
            String name = method.getMethodDescriptor().getFullMethodName();
            ServerMethodDefinition<?, ?> original = service.getMethod(name);
            assertSame(original.getServerCallHandler(), method.getServerCallHandler());
            if (CriServer.ENCODED_ONCE.contains(name)) {
                assertNotSame(original.getMethodDescriptor(), method.getMethodDescriptor());
                assertEquals(
                        EncodedResponses.Marshaller.class,
                        method.getMethodDescriptor().getResponseMarshaller().getClass());
            } else if (name.equals(
                    RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName())) {
                assertEquals(
                        EncodedResponses.KeptLeadingField.class,
                        method.getMethodDescriptor().getResponseMarshaller().getClass());
            } else {
                assertSame(original.getMethodDescriptor(), method.getMethodDescriptor());
            }
        }
        assertEquals(
                Set.of(
                        RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
                        RuntimeServiceGrpc.getListContainersMethod().getFullMethodName(),
                        RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName(),
                        dev.jcri.cri.v1.ImageServiceGrpc.getListImagesMethod().getFullMethodName()),
                CriServer.ENCODED_ONCE);
    }

    private static PodSandboxStatus podStatus(int i) {
        PodSandbox pod = pod(i, PodSandboxState.SANDBOX_READY);
        return PodSandboxStatus.newBuilder()
                .setId(pod.getId())
                .setMetadata(pod.getMetadata())
                .setState(pod.getState())
                .setCreatedAt(pod.getCreatedAt())
                .setNetwork(PodSandboxNetworkStatus.newBuilder().setIp("10.88.0." + i))
                .putAllLabels(pod.getLabelsMap())
                .putAllAnnotations(pod.getAnnotationsMap())
                .build();
    }

    @SuppressWarnings("unchecked")
    private static EncodedResponses.KeptLeadingField<PodSandboxStatusResponse> podStatusMarshaller() {
        ServerServiceDefinition wrapped = EncodedResponses.of(
                new RuntimeServiceGrpc.RuntimeServiceImplBase() {}.bindService(), CriServer.ENCODED_ONCE);
        return (EncodedResponses.KeptLeadingField<PodSandboxStatusResponse>)
                wrapped.getMethod(RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName())
                        .getMethodDescriptor()
                        .getResponseMarshaller();
    }

    @Test
    void aKeptStatusWithAFreshTimestampIsTheResponsesOwnEncoding() throws IOException {
        var statuses = podStatusMarshaller();
        PodSandboxStatus kept = podStatus(1);
        for (long timestamp : new long[] {1_765_000_000_000_000_001L, 1_765_000_000_000_000_002L, 0L}) {
            PodSandboxStatusResponse response = PodSandboxStatusResponse.newBuilder()
                    .setStatus(kept)
                    .setTimestamp(timestamp)
                    .build();
            byte[] sent = drained(statuses.stream(response));
            // Field 1 leads in protobuf's own order too, so even the bytes are the same.
            assertArrayEquals(response.toByteArray(), sent);
            assertEquals(response, PodSandboxStatusResponse.parseFrom(sent));
        }
        assertEquals(1, statuses.kept());
        // Verbose answers carry an info map: encoded anew after the kept status.
        PodSandboxStatusResponse verbose = PodSandboxStatusResponse.newBuilder()
                .setStatus(kept)
                .putInfo("info", "{\"id\":\"x\"}")
                .setTimestamp(7)
                .build();
        assertEquals(verbose, PodSandboxStatusResponse.parseFrom(drained(statuses.stream(verbose))));
        // Another status object (a changed record) is encoded for itself.
        PodSandboxStatusResponse changed = PodSandboxStatusResponse.newBuilder()
                .setStatus(podStatus(2))
                .setTimestamp(8)
                .build();
        assertArrayEquals(changed.toByteArray(), drained(statuses.stream(changed)));
        assertEquals(2, statuses.kept());
        // A response without a status is protobuf's own.
        PodSandboxStatusResponse empty =
                PodSandboxStatusResponse.newBuilder().setTimestamp(9).build();
        assertArrayEquals(empty.toByteArray(), drained(statuses.stream(empty)));
    }
}
