// The training workload of the release's AOT cache: the CRI calls a node makes of an idle runtime, sent over the
// socket of a jcri started with -XX:AOTCacheOutput. Run by scripts/dist with the build JDK and jcri.jar on the
// classpath (for the generated CRI stubs and gRPC):  java -cp jcri.jar AotTraining.java SOCKET ROUNDS
import dev.jcri.cri.v1.ContainerStatsFilter;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.VersionRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

public class AotTraining {
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                .build();
        try {
            awaitServing(channel, socket);
            for (int i = 0; i < rounds; i++) {
                idleNodeCalls(channel);
            }
            // A failing call too: the error mapping and the RPC log's warning path.
            expectFailure(() -> RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId("0".repeat(64)).build()));
            expectFailure(() -> RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .containerStatus(ContainerStatusRequest.newBuilder().setContainerId("0".repeat(64)).build()));
            // A pull that cannot connect: the registry client, its HTTP client and the pull's error path.
            expectFailure(() -> ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .pullImage(PullImageRequest.newBuilder()
                            .setImage(ImageSpec.newBuilder().setImage("127.0.0.1:9/training/none:1")).build()));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void idleNodeCalls(ManagedChannel channel) {
        RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime =
                RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        ImageServiceGrpc.ImageServiceBlockingStub images =
                ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        runtime.version(VersionRequest.getDefaultInstance());
        runtime.status(StatusRequest.newBuilder().setVerbose(true).build());
        runtime.runtimeConfig(RuntimeConfigRequest.getDefaultInstance());
        images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
        images.listImages(ListImagesRequest.getDefaultInstance());
        images.imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage("registry.k8s.io/pause:3.10")).build());
        runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
        runtime.listContainers(ListContainersRequest.getDefaultInstance());
        runtime.listContainerStats(ListContainerStatsRequest.newBuilder()
                .setFilter(ContainerStatsFilter.getDefaultInstance()).build());
        runtime.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
    }

    private static void awaitServing(ManagedChannel channel, Path socket) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(socket)) {
                try {
                    RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .version(VersionRequest.getDefaultInstance());
                    return;
                } catch (StatusRuntimeException e) {
                    // Not serving yet.
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("jcri did not answer on " + socket + " within 120 s");
    }

    private static void expectFailure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return;
        }
    }
}
