package dev.jcri.server.play;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/** A gRPC channel to a CRI socket, named {@code unix:///path} or just {@code /path}, as crictl takes it. */
public final class CriEndpoint implements AutoCloseable {
    public static final String DEFAULT = "unix:///run/jcri/jcri.sock";

    private final ManagedChannel channel;

    private CriEndpoint(ManagedChannel channel) {
        this.channel = channel;
    }

    public static CriEndpoint open(String endpoint) throws PlayException {
        String target;
        if (endpoint.startsWith("unix://")) {
            target = endpoint;
        } else if (endpoint.startsWith("/")) {
            target = "unix://" + endpoint;
        } else {
            throw new PlayException("--endpoint: \"" + endpoint + "\" is neither unix:///path nor /path");
        }
        return new CriEndpoint(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .maxInboundMessageSize(16 << 20)
                .build());
    }

    ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
