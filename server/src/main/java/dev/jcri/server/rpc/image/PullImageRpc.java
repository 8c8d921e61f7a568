package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.AuthConfig;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.PullImageResponse;
import dev.jcri.image.distribution.RegistryCredentials;
import dev.jcri.image.pull.ImagePuller;
import dev.jcri.image.pull.PullOutcome;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.call.RpcErrors;
import dev.jcri.server.metrics.RuntimeMetrics;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;

/**
 * PullImage: the image into the store, answering its ID. The call's deadline and cancellation reach the download:
 * a cancelled client stops the pull, which then stores nothing.
 */
public final class PullImageRpc implements CriCall.Handler<PullImageRequest, PullImageResponse> {
    private final ImagePuller puller;
    private final RuntimeMetrics metrics;

    public PullImageRpc(ImagePuller puller, RuntimeMetrics metrics) {
        this.puller = puller;
        this.metrics = metrics;
    }

    @Override
    public PullImageResponse handle(PullImageRequest request) throws Exception {
        String image = CriImages.requiredSpec(request.getImage(), "image.image");
        try {
            PullOutcome outcome = pull(image, request);
            metrics.pullSucceeded(outcome);
            return PullImageResponse.newBuilder()
                    .setImageRef(outcome.image().id())
                    .build();
        } catch (Exception e) {
            metrics.pullFailed(
                    e instanceof StatusRuntimeException status
                            ? status.getStatus().getCode()
                            : RpcErrors.toStatus(e).getCode());
            throw e;
        }
    }

    private PullOutcome pull(String image, PullImageRequest request) throws Exception {
        RegistryCredentials credentials = credentials(request.getAuth());
        Context context = Context.current();
        Thread caller = Thread.currentThread();
        Context.CancellationListener cancel = c -> caller.interrupt();
        context.addListener(cancel, Runnable::run);
        try {
            return puller.pull(image, credentials);
        } catch (InterruptedException e) {
            throw cancelled(context, image);
        } catch (IOException e) {
            if (context.isCancelled()) {
                throw cancelled(context, image);
            }
            throw e;
        } finally {
            context.removeListener(cancel);
            Thread.interrupted();
        }
    }

    private static RuntimeException cancelled(Context context, String image) {
        Status status = context.getDeadline() != null && context.getDeadline().isExpired()
                ? Status.DEADLINE_EXCEEDED
                : Status.CANCELLED;
        return status.withDescription("pull of " + image + " stopped: the caller cancelled or its deadline passed")
                .asRuntimeException();
    }

    private static RegistryCredentials credentials(AuthConfig auth) {
        return RegistryCredentials.fromCri(
                auth.getUsername(),
                auth.getPassword(),
                auth.getAuth(),
                auth.getIdentityToken(),
                auth.getRegistryToken());
    }
}
