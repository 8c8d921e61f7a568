package dev.jcri.server.metrics;

import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.VersionRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Whether the CRI socket answers: a Version call over it, as kubelet makes, with a short deadline. */
public final class CriHealth implements BooleanSupplier, AutoCloseable {
    private final ManagedChannel channel;

    public CriHealth(Path socket) {
        this.channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                .build();
    }

    @Override
    public boolean getAsBoolean() {
        try {
            RuntimeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance());
            return true;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
