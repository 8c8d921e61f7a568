package dev.jcri.e2e.bench;

import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListImagesResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Warms the benchmark's own client code for the image read RPCs against a stand-in server in this JVM, before the
 * "shortly after start" rows: otherwise whichever runtime is measured first also pays for the client's JIT
 * warm-up, and those rows measure the runtimes' cold paths, not the client's.
 */
final class ClientWarmUp {
    private static final int CALLS = 3_000;

    private ClientWarmUp() {}

    static void imageReads(String image) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jcri-bench-warmup");
        Path socket = dir.resolve("warmup.sock");
        Image answer = Image.newBuilder()
                .setId("sha256:" + "0".repeat(64))
                .addRepoTags(image)
                .addRepoDigests(image.replaceAll(":[^:/]*$", "") + "@sha256:" + "1".repeat(64))
                .setSize(4_500_000)
                .setSpec(ImageSpec.newBuilder().setImage(image))
                .build();
        EventLoopGroup loop = new EpollEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .addService(new ImageServiceGrpc.ImageServiceImplBase() {
                    @Override
                    public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> out) {
                        out.onNext(ImageStatusResponse.newBuilder()
                                .setImage(answer)
                                .build());
                        out.onCompleted();
                    }

                    @Override
                    public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
                        out.onNext(ListImagesResponse.newBuilder()
                                .addImages(answer)
                                .addImages(answer)
                                .build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                .build();
        try {
            ImageServiceGrpc.ImageServiceBlockingStub stub = ImageServiceGrpc.newBlockingStub(channel);
            ImageStatusRequest status = ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image))
                    .build();
            for (int i = 0; i < CALLS; i++) {
                stub.imageStatus(status);
                stub.listImages(ListImagesRequest.getDefaultInstance());
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
