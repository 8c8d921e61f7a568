package dev.jcri.server.grpc;

import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.server.rpc.image.ImageFsInfoRpc;
import io.grpc.stub.StreamObserver;

/** The CRI ImageService: each RPC is one handler class in {@code dev.jcri.server.rpc.image}. */
public final class ImageServiceEndpoint extends ImageServiceGrpc.ImageServiceImplBase {
    private final ImageFsInfoRpc imageFsInfo;

    public ImageServiceEndpoint(ImageFsInfoRpc imageFsInfo) {
        this.imageFsInfo = imageFsInfo;
    }

    @Override
    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> responses) {
        UnaryCall.run(request, responses, imageFsInfo);
    }
}
