package dev.jcri.server.grpc;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.server.call.RpcObserver;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on the CRI unix socket. Netty's epoll transport does the socket I/O on two event-loop threads;
 * every RPC runs on its own virtual thread, so a slow pull or a container stop never holds a platform thread, except
 * the in-memory reads kubelet polls, which the event loop answers itself ({@link TransportThreadReads}).
 */
public final class CriServer {
    /** The RPCs whose handlers hand out the same answer while nothing changed ({@link EncodedResponses}). */
    static final Set<String> ENCODED_ONCE = Set.of(
            RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
            RuntimeServiceGrpc.getListContainersMethod().getFullMethodName(),
            RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName(),
            ImageServiceGrpc.getListImagesMethod().getFullMethodName());

    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService rpcExecutor;

    public CriServer(Path socket, List<BindableService> services, RpcObserver observer) {
        this.boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.rpcExecutor = Executors.newVirtualThreadPerTaskExecutor();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                // The default executor is the transport thread; TransportThreadReads sends every call but the
                // in-memory reads on to a virtual thread once its method is known.
                .directExecutor()
                .callExecutor(new TransportThreadReads(rpcExecutor))
                // Image and container lists on a busy node exceed gRPC's 4 MiB default; kubelet allows 16 MiB.
                .maxInboundMessageSize(16 * 1024 * 1024);
        RpcLogInterceptor logging = new RpcLogInterceptor(observer);
        StatusDescriptionLimit descriptions = new StatusDescriptionLimit();
        for (BindableService service : services) {
            // The last is outermost: the log sees the description as the client does.
            ServerServiceDefinition definition = EncodedResponses.of(service.bindService(), ENCODED_ONCE);
            builder.addService(
                    MalformedRequests.guard(ServerInterceptors.intercept(definition, descriptions, logging), observer));
        }
        this.server = builder.build();
    }

    public void start() throws IOException {
        server.start();
    }

    /** Stops accepting, lets in-flight RPCs finish within the grace period, then cancels the rest. */
    public void shutdown(long graceSeconds) throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(graceSeconds, TimeUnit.SECONDS)) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
        rpcExecutor.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
