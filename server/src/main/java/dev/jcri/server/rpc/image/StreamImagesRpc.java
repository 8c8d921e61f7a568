package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.StreamImagesRequest;
import dev.jcri.cri.v1.StreamImagesResponse;
import dev.jcri.image.store.ImageStore;
import dev.jcri.server.call.StreamBatches;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * StreamImages: ListImages in pieces, so a node with many images never hits the message size limit. Each message
 * carries up to {@link StreamBatches#BATCH} images.
 */
public final class StreamImagesRpc {
    private final ImageStore store;
    private final PinnedImages pinned;

    public StreamImagesRpc(ImageStore store, PinnedImages pinned) {
        this.store = store;
        this.pinned = pinned;
    }

    public void handle(StreamImagesRequest request, StreamObserver<StreamImagesResponse> responses) {
        List<Image> images = ListImagesRpc.select(store, request.getFilter()).stream()
                .map(record -> CriImages.toCri(record, pinned.pinned(record, store)))
                .toList();
        StreamBatches.send(
                images,
                batch -> StreamImagesResponse.newBuilder().addAllImages(batch).build(),
                responses);
    }
}
