package dev.jcri.server.rpc.image;

import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemoveImageResponse;
import dev.jcri.image.store.ImageStore;
import dev.jcri.server.call.CriCall;
import java.io.IOException;

/** RemoveImage: by tag removes that tag (the image with its last tag); by ID or digest removes the image. */
public final class RemoveImageRpc implements CriCall.Handler<RemoveImageRequest, RemoveImageResponse> {
    private final ImageStore store;

    public RemoveImageRpc(ImageStore store) {
        this.store = store;
    }

    @Override
    public RemoveImageResponse handle(RemoveImageRequest request) throws IOException {
        String spec = CriImages.requiredSpec(request.getImage(), "image.image");
        // The CRI: "This call is idempotent, and must not return an error if the image has already been removed."
        store.remove(spec);
        return RemoveImageResponse.getDefaultInstance();
    }
}
