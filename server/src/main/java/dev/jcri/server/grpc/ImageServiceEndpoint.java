package dev.jcri.server.grpc;

import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListImagesResponse;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.PullImageResponse;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemoveImageResponse;
import dev.jcri.cri.v1.StreamImagesRequest;
import dev.jcri.cri.v1.StreamImagesResponse;
import dev.jcri.server.call.CriCall;
import dev.jcri.server.rpc.image.ImageFsInfoRpc;
import dev.jcri.server.rpc.image.ImageStatusRpc;
import dev.jcri.server.rpc.image.ListImagesRpc;
import dev.jcri.server.rpc.image.PullImageRpc;
import dev.jcri.server.rpc.image.RemoveImageRpc;
import dev.jcri.server.rpc.image.StreamImagesRpc;
import io.grpc.stub.StreamObserver;

/** The CRI ImageService: each RPC is one handler class in {@code dev.jcri.server.rpc.image}. */
public final class ImageServiceEndpoint extends ImageServiceGrpc.ImageServiceImplBase {
    /** The handlers, one per RPC. */
    public record Handlers(
            ListImagesRpc listImages,
            StreamImagesRpc streamImages,
            ImageStatusRpc imageStatus,
            PullImageRpc pullImage,
            RemoveImageRpc removeImage,
            ImageFsInfoRpc imageFsInfo) {}

    private final Handlers rpc;

    public ImageServiceEndpoint(Handlers rpc) {
        this.rpc = rpc;
    }

    @Override
    public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> responses) {
        CriCall.unary(request, responses, rpc.listImages());
    }

    @Override
    public void streamImages(StreamImagesRequest request, StreamObserver<StreamImagesResponse> responses) {
        CriCall.stream(request, responses, rpc.streamImages()::handle);
    }

    @Override
    public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> responses) {
        CriCall.unary(request, responses, rpc.imageStatus());
    }

    @Override
    public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> responses) {
        CriCall.unary(request, responses, rpc.pullImage());
    }

    @Override
    public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> responses) {
        CriCall.unary(request, responses, rpc.removeImage());
    }

    @Override
    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> responses) {
        CriCall.unary(request, responses, rpc.imageFsInfo());
    }
}
